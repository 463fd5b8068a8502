"""kit.templates.CompiledTemplates: environments built alike share compiled templates, and
an edited template is compiled again (issue 14: the suite builds a web app per test)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from renewals.kit.templates import CompiledTemplates


def _environment(folder: Path, cache: CompiledTemplates) -> tuple[jinja2.Environment, list[str]]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=cache)
    compiled: list[str] = []
    real_compile = env.compile

    def _compile(source, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return real_compile(source, name, *args, **kwargs)

    env.compile = _compile  # type: ignore[method-assign]
    return env, compiled


def test_environments_share_compiled_templates_and_an_edit_is_compiled_again(
    tmp_path: Path,
) -> None:
    (tmp_path / "page.html").write_text("Hello {{ name }}", "utf-8")
    cache = CompiledTemplates()

    first, compiled = _environment(tmp_path, cache)
    assert first.get_template("page.html").render(name="Ana") == "Hello Ana"
    assert compiled == ["page.html"]

    second, compiled = _environment(tmp_path, cache)
    assert second.get_template("page.html").render(name="Ben") == "Hello Ben"
    assert compiled == []  # the first environment's code

    (tmp_path / "page.html").write_text("Goodbye {{ name }}", "utf-8")
    third, compiled = _environment(tmp_path, cache)
    assert third.get_template("page.html").render(name="Cy") == "Goodbye Cy"
    assert compiled == ["page.html"]  # the source changed: compiled again

    other, compiled = _environment(tmp_path, CompiledTemplates())
    other.get_template("page.html")
    assert compiled == ["page.html"]  # another cache shares nothing
