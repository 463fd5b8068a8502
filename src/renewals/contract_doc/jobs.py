"""Daily-run steps of the contract workflow (TECH-4)."""

from __future__ import annotations

from renewals.contract_doc import domain, service
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.scheduler import JobContext, job


@job("contract.expire_links", order=97)
def expire_links(ctx: JobContext) -> str:
    """Contracts sent for signature whose signing link ran out marked `expired` (TECH-4;
    docs/contracts.md)."""
    cutoff = domain.expire_cutoff(ctx.as_of, utc_now())
    expired = service.expire_links(ctx.session, cutoff=cutoff)
    if expired == 1:
        return Text("{n} signing link expired (TECH-4)", n=expired)
    return Text("{n} signing links expired (TECH-4)", n=expired)
