"""The words of risk (SIG-2..8) in English, German, Indonesian and Malay.

Data, not logic: `renewals.signal.text` compiles these. Each entry is a regular
expression (case-insensitive, matched on word boundaries) for one kind of signal
in one language. They cover the phrases the source articles quote ("Wir müssen
Kosten senken", "Kami perlu memotong biaya", "Kami perlu potong kos") and their
inflections and paraphrases ("zu teuer", "terlalu mahal", "champion left",
"hat das Unternehmen verlassen").

Negation: a phrase preceded in its clause by a negation word ("no complaints",
"nicht zu teuer", "tidak ada keluhan"), or with one inside it ("the price is not
too high"), is not a signal. A pattern that starts with `!` needs its negation to
mean anything ("not worth it", "keine Antwort", "tidak berbaloi") and is never
suppressed.

`(?-i:[A-Z])` marks a capitalised name (a competitor) where case matters.
"""

from __future__ import annotations

KINDS = (
    "competitive",  # SIG-4
    "budget",  # SIG-5
    "stakeholder_change",  # SIG-6
    "business_change",  # SIG-8
    "negative_feedback",  # SIG-3
    "engagement_drop",  # SIG-2
    "usage_decline",  # SIG-7
)

RULES = {
    "competitive": "SIG-4",
    "budget": "SIG-5",
    "stakeholder_change": "SIG-6",
    "business_change": "SIG-8",
    "negative_feedback": "SIG-3",
    "engagement_drop": "SIG-2",
    "usage_decline": "SIG-7",
}

_CALENDAR = (
    "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|"
    "June|July|August|September|October|November|December|Montag|Dienstag|Mittwoch|Donnerstag|"
    "Freitag|Samstag|Sonntag|Januar|Februar|März|Juni|Juli|Oktober|Dezember|Senin|Selasa|Rabu|"
    "Kamis|Jumat|Sabtu|Minggu|Isnin|Khamis|Jumaat|Ahad|Excel|Outlook|Teams|Zoom|Slack|Google|"
    "Sie|Ihr|Ihre|Ihnen|Euch|Euer|Du|Dein|Wir|Uns|Anda|Kami|Kita|Mereka|Beliau|Tolong|Mohon|Sila"
)
NAME = rf"(?!(?:{_CALENDAR})\b)(?-i:[A-Z][a-z][\w&]*(?: [A-Z][\w&]+)?)"

# Words that negate what follows them in the same clause.
NEGATIONS = {
    "en": r"no|not|never|without|hardly|neither|nor|n't|cannot|none|zero",
    "de": r"nicht|kein|keine|keinen|keinem|keiner|keines|keinerlei|nie|niemals|ohne|weder",
    "id": r"tidak|tak|bukan|belum|tanpa|jangan|nggak|gak|enggak|ga",
    "ms": r"tidak|tak|bukan|belum|tanpa|tiada|jangan",
}

# Words that end a clause for negation: "the price is fine, but support is slow".
CLAUSE_BREAKS = r"[,;:()\u2013\u2014]|\b(?:but|however|although|aber|doch|jedoch|sondern|tapi|tetapi|namun|sedangkan|cuma|walaupun|walau)\b"

# Roles whose departure or replacement resets the relationship (SIG-6).
_ROLES_EN = (
    r"champion|sponsor|executive sponsor|decision[- ]maker|economic buyer|buyer|main contact|"
    r"point of contact|key contact|our contact|admin(?:istrator)?|ceo|cto|cio|cfo|coo|cmo|"
    r"vp|vice president|director|head of [\w&]+|manager|boss|owner|founder"
)
_MEETINGS_EN = (
    r"meetings?|qbrs?|ebrs?|calls?|sessions?|trainings?|webinars?|workshops?|check-?ins?|"
    r"reviews?|demos?|syncs?|office hours|onboarding|kick-?offs?|appointments?|catch-?ups?"
)
_MEETINGS_DE = (
    r"\w*meetings?|termine?|terminen|qbrs?|\w*calls?|anrufe?|\w*gespräche?|gesprächs?|\w*schulung(?:en)?|"
    r"trainings?|webinare?|workshops?|reviews?|demos?|office hours|sitzung(?:en)?|"
    r"besprechung(?:en)?|check-?ins?|jour fixe|abstimmung(?:en)?|\w*termin(?:e|s)?"
)
_MEETINGS_ID = (
    r"meeting|rapat|pertemuan|qbr|call|telepon|panggilan|sesi|training|pelatihan|webinar|"
    r"workshop|demo|review|jadwal|janji temu|check-in|kunjungan"
)
_MEETINGS_MS = (
    r"mesyuarat|perjumpaan|meeting|qbr|panggilan|sesi|latihan|webinar|bengkel|demo|semakan|"
    r"temu janji|janji temu|lawatan|check-in|taklimat"
)

LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "competitive": (
            r"how do(?:es)? (?:you|your \w+) (?:compare|stack up|measure up)",
            r"compar\w* (?:you|your \w+|us) (?:to|with|against)",
            r"(?:compare|comparing|compared|comparison)\b[^.]{0,25}\b(?:to|with|against|vs\.?) "
            + NAME,
            r"(?:feature|price|pricing|side-by-side|head-to-head) comparison",
            r"competitive (?:advantage|edge|offer|bid|quote|proposal)",
            r"what (?:makes|sets) (?:you|your \w+) (?:different|apart)",
            r"why (?:should we|would we) (?:stay|renew|keep)",
            r"\bcompetitors?(?:'s?)?\b(?! (?:analysis|research|intelligence|benchmark\w*|landscape))",
            r"\bcompeting (?:vendor|tool|product|solution|platform|offer|bid|quote)s?",
            r"(?:evaluat|trial|test|pilot|assess|demo|explor|consider|look|research|shop)\w*\b"
            r"[^.]{0,30}\b(?:other|another|alternative|different|new|cheaper|competing) "
            r"(?:vendors?|tools?|solutions?|platforms?|providers?|products?|systems?|options?|software)",
            r"(?:evaluat|explor|consider|look|research|shop|assess)\w*\b[^.]{0,20}\balternatives?\b",
            r"(?:looking|shopping) around",
            r"(?:switch|switching|switched|move|moving|moved|migrat\w+|go(?:ing)?|went|defect\w*)"
            r" (?:over )?to (?:another|a different|a new|an? other|a cheaper|a competing) "
            r"(?:vendor|tool|provider|platform|solution|system|product|supplier)",
            r"(?:switch|switching|switched|moving|migrating|defecting) (?:over )?to " + NAME,
            r"(?:signed|going|decided to go|chose|choosing|picked|opted for|went) (?:with )?"
            r"(?:a |the )?(?:competitor|rival)",
            r"(?:signed|decided to go|opted to go|going) with " + NAME,
            r"(?:demo|trial|pilot|proposal|quote|offer|pitch|presentation|webinar) (?:from|by|of) "
            + NAME,
            r"(?:attended|joined|watched|went to) (?:an? |the )?"
            + NAME
            + r"(?:'s)? (?:webinar|event|demo)",
            r"export\w*\b[^.]{0,25}\b(?:data|records|history|database)",
            r"(?:load|import|mov|put|transfer|migrat)\w* (?:it|them|everything|all of it|\w+ data) "
            r"(?:into|to|over to) " + NAME,
            r"(?:looking at|evaluating|trialling|trialing|testing|piloting|talking to|in talks with|"
            r"considering|demoing|demoed|shortlisted) " + NAME,
            # A capitalised word opens every sentence: a name there counts only as "Name's".
            r"(?:(?<=\w )"
            + NAME
            + r"[- ]|"
            + NAME
            + r"'s )(?:webinar|demo|event|trial|pitch|proposal|offer)",
            NAME + r" (?:offers?|offered|quoted|is offering|pitched|promised) (?:them |us )?(?:a |"
            r"half |\d+ ?%|the same|more|better|lower|cheaper)",
            r"(?:data|full) (?:export|migration|portability|extract)",
            r"(?:migrat|mov|transferr|port)\w* (?:all )?(?:our |the |their )?(?:data|records|accounts)"
            r" (?:to|into|out|over|elsewhere)",
            r"migration (?:process|path|plan|guide|effort)",
            r"(?:they|" + NAME + r") (?:already )?(?:has|have|offers?|includes?) (?:this|that|it)"
            r"(?: feature)? (?:built in|built-in|out of the box|natively|for free|included)",
            r"\bRFP\b|request for proposal",
            r"\b(?:other|competing|alternative|rival) (?:vendors|providers|offers|quotes|bids|tools)",
            r"cheaper (?:offer|option|alternative|quote|tool|vendor|solution|competitor)",
            r"(?:full|complete|data|bulk) (?:dump|extract|backup)|(?:exploring|weighing|considering) "
            r"(?:other |their |all )?options",
            NAME
            + r"\b[^.]{0,40}\b(?:for less|for cheaper|for half|at half|half the price|lower price|"
            r"cheaper price)",
            r"like (?:the ones? |what |that |those )?"
            + NAME
            + r" (?:has|have|offers?|does|gives?)",
            r"(?:advantage|edge|differen\w+|better) (?:over|than|from|vs\.?) " + NAME,
            r"unique selling (?:point|proposition)|\bUSP\b",
            r"cheaper than (?:you|yours|your)\b|(?:undercut|undercutting|underbid) (?:you|your)",
        ),
        "budget": (
            r"cut(?:ting|s)? (?:down )?(?:on )?(?:\w+ ){0,2}(?:costs?|spend\w*|budgets?|expenses?|"
            r"expenditure)",
            r"(?:costs?|spend\w*|budgets?|expenses?)\b[^.]{0,15}\b(?:cut|cuts|slashed|reduced|"
            r"frozen|trimmed|squeezed)\b",
            r"cost[- ](?:cutting|reduction|savings?|saving (?:program|initiative|exercise)|pressure|"
            r"containment|optimi[sz]ation)",
            r"(?:reduc|lower|trim|slash|decreas|minimi[sz])\w* (?:our |the |their )?(?:costs?|"
            r"spend\w*|budget|expenses|software bill|bill|invoice)",
            r"save (?:some )?money",
            r"(?:price|pricing|cost|costs|fee|fees|licen[cs]e(?: fees?)?|subscription|renewal|"
            r"quote|invoice|bill)\b[^.]{0,25}\b(?:too high|too steep|too much|expensive|excessive|"
            r"hard to justify|out of (?:our )?budget|beyond (?:our )?budget|a lot of money|steep|hard "
            r"to swallow|tough to justify|a stretch|painful|hard to stomach)",
            r"too (?:expensive|pricey|costly|much money)",
            r"(?:overpriced|over-priced|price increase|price hike|price rise|pricier)",
            r"(?:price|cost|fee|bill)s? (?:went|go|goes|have gone|has gone|keeps? going) up",
            r"!(?:can't|cannot|can no longer|could not|couldn't) (?:afford|justify)",
            r"(?:review|reviewing|reviewed|audit|auditing|evaluating|re-evaluating|scrutini[sz]\w*)"
            r"\b[^.]{0,10}\ball (?:our |of our |their |the )?(?:vendors|suppliers|tools|contracts|"
            r"subscriptions|spend|software|licen[cs]es|saas)",
            r"vendor (?:review|consolidation|rationali[sz]ation|audit)",
            r"consolidat\w* (?:our |the |their )?(?:vendors|tools|suppliers|software|stack)",
            r"budgets?\b[^.]{0,25}\b(?:is |are |was |were |will be |has been |have been |got )?"
            r"(?:tight|tighter|cut|cuts|slashed|reduced|frozen|freeze|squeezed|under pressure|"
            r"constrained|limited|shrinking|halved|smaller|on hold|gone|uncertain|unclear)",
            r"!budgets?\b[^.]{0,25}\b(?:is |are |was |were |has |have )?(?:not|n't) (?:yet )?"
            r"(?:been )?(?:approved|confirmed|signed off)",
            r"(?:tight|tighter|limited|reduced|smaller|frozen|shrinking|lower|squeezed) budgets?",
            r"budget(?:ary)? (?:cuts?|freeze|constraints?|pressures?|concerns?|issues?|restrictions?)",
            r"!no (?:more )?budget",
            r"(?:spending|purchase|procurement) freeze",
            r"(?:need|needs|must|have to|has to|got to|asked us to|want us to|wants us to)\b"
            r"[^.]{0,20}\b(?:show|prove|demonstrate|justify|see)\w*\b[^.]{0,15}\b(?:more |better |"
            r"clearer |the )?(?:roi|return on investment|value for (?:the )?money|payback)",
            r"justify (?:the |this |our |their |that )?(?:spend|cost|price|expense|investment|renewal|"
            r"budget|licen[cs]e)",
            r"(?:ask|asked|asking|request|requested|requesting|push\w*|want|wants|wanted) "
            r"(?:us )?(?:for )?(?:a |an |another |bigger |steeper )?(?:discount|lower price|better "
            r"price|price reduction|cheaper (?:plan|price|tier))",
            r"\bdowngrad\w*",
            r"(?:froze|freez\w*|cut|cuts|slash\w*|reduc\w*|trim\w*|halv\w*|shr[iu]nk\w*)\b[^.]{0,30}"
            r"\b(?:budgets?|spend(?:ing)?)\b",
            r"(?:has|have|needs?|must) to (?:get |become |be )?(?:cheaper|less expensive)",
            r"more expensive than|(?:twice|double) (?:as expensive|the price)|(?:costs?|prices?) "
            r"(?:are |is )?(?:almost |nearly )?(?:double|twice)",
            r"(?:want|wants|wanted|need|needs|asking for|asked for|demand\w*|require\w*|expect\w*)"
            r"\b[^.]{0,15}\b(?:roi|return on investment|business case|payback)\b",
            r"(?:every|all|each) (?:\w+ ){0,2}(?:contracts?|vendors?|subscriptions?|tools?|licen[cs]es?"
            r"|spend)\b[^.]{0,30}\b(?:hard look|close look|review|scrutin\w*|microscope|audit\w*|"
            r"question\w*|justif\w*)",
            r"tighten\w* (?:our |their |the )?belts?",
            r"(?:finance|procurement|cfo)\b[^.]{0,30}\b(?:push\w* back|question\w*|challeng\w*|"
            r"squeez\w*|block\w*)\b[^.]{0,20}\b(?:cost|price|spend|renewal|budget|invoice)",
        ),
        "stakeholder_change": (
            r"(?:left|leaving|leave|leaves|quit|quitting|resigned|resigning|departed|departing|"
            r"moved on from|let go from|fired from) (?:the |our |their |his |her )?(?:company|"
            r"business|organi[sz]ation|firm|customer|account|team)",
            r"\b(?:" + _ROLES_EN + r")\b[^.]{0,40}\b(?:left|is leaving|will leave|has left|quit|"
            r"resigned|resigning|departed|retir\w+|was let go|got fired|was fired|moved on|"
            r"(?:moved|moving|switched|transferred) to (?:another|a different|a new|the \w+) "
            r"(?:role|team|position|department|job|company|division)|changed (?:roles?|jobs?|"
            r"positions?|teams?)|(?:got |was |been )?promoted|(?:was |been |got )?replaced|"
            r"(?:was |been )?reassigned|on (?:long[- ]term |extended )?leave)",
            r"!\b(?:"
            + _ROLES_EN
            + r")\b[^.]{0,40}\bno longer (?:with|at|in charge|responsible|works?)",
            r"\b(?:has|had|have) (?:just |recently |now )?(?:left|quit|resigned)\b(?! (?:a|the|us "
            r"a|some) (?:comment|note|message|review|feedback|voicemail))",
            r"\bnew (?:\w+ )?(?:leadership|management team|management|vp|cto|cio|cfo|ceo|coo|cmo|"
            r"head of [\w&]+|director|decision[- ]maker|champion|sponsor|executive|owner|boss|"
            r"point of contact|main contact|buyer)\b",
            r"(?:leadership|management|executive team|board) (?:change|changes|shake-?up|turnover|"
            r"transition|reshuffle)",
            r"replac\w* (?:our |the |their |his |her )?(?:champion|sponsor|decision[- ]maker|"
            r"contact|buyer|admin|cto|cio|cfo|ceo|vp|director|head)",
            r"(?:successor|replacement|new hire) (?:has|is|was|will|who|for)",
            r"took over (?:from|as)|taking over (?:from|as)|handed over (?:to|the)",
            r"\b(?:was|were|been|being|got|get|is|are|has been|will be) (?:acquired|bought|taken over"
            r"|sold)\b(?! (?:a|an|the|some|new|more|\d+))",
            r"(?<!customer )(?<!user )(?<!lead )(?<!talent )(?<!data )\bacquisition\b",
            r"\bmerg(?:er|ing|ed)\b",
            r"(?:last day|farewell|goodbye (?:email|party|note))",
            r"!no longer (?:with|at|works? (?:at|for|there)|employed)",
            r"(?:is|are|will be) (?:moving|transferring|switching) to (?:the |another |a different |a "
            r"new )?(?:\w+ )?(?:org|organi[sz]ation|team|department|division|role|position|group|unit)",
            r"!(?:won't|will not|doesn't|does not|no longer) (?:own|owns|lead|leads|run|runs|handle|"
            r"handles) (?:the |this |our )?(?:renewal|account|relationship|project)",
        ),
        "business_change": (
            r"\blay-?offs?\b|\blaid off\b|\bredundanc(?:y|ies)\b|\bjob cuts\b|\bjob losses\b",
            r"headcount (?:cuts?|reductions?|freeze)|(?:cut|cuts|cutting|reduc\w+|slash\w*) "
            r"(?:jobs|staff|headcount|the workforce|workforce|employees|positions|the team|people)",
            r"\bdownsiz\w*|\breorg(?:ani[sz]ation|ani[sz]ing|ani[sz]ed)?\b",
            r"\bre-?structur\w*(?! (?:of )?(?:the |our |your |their |this )?(?:\w+ ){0,3}(?:report|dashboard|"
            r"page|data|menu|navigation|layout|view|template|workflow|agenda|deck|folder)s?\b)",
            r"hiring freeze|freez\w* (?:all )?hiring",
            r"\binsolven\w*|\bbankrupt\w*|chapter 11|into administration|\bliquidat\w*",
            r"(?:revenue|sales|business|orders|bookings|profits?|margins?)\b[^.]{0,20}\b(?:is |are |"
            r"has been |have been |was |were )?(?:down|declin\w*|drop\w*|fell|fallen|falling|"
            r"collaps\w*|plummet\w*|shrink\w*|struggl\w*|tanked|hit hard)",
            r"(?:strategic|business|company|corporate) (?:pivot|shift|change of direction|refocus|"
            r"realignment|overhaul|change)",
            r"\bpivot\w*",
            r"(?:closing|closed|close|shutting down|shut down|shuts down) (?:\w+ ){0,4}(?:offices?|sites?"
            r"|branch\w*|plants?|stores?|division|business unit|operations|locations?|factory|"
            r"factories|warehouses?)",
            r"(?:sold|selling|divest\w*|spinning off|spun off) (?:off )?(?:the|their|its|this|a) "
            r"(?:business|division|unit)",
            r"(?:going through|facing|in) (?:a )?(?:tough|difficult|hard|rough) (?:time|period|"
            r"quarter|year|patch|phase)",
            r"financial (?:difficult\w*|trouble|problems?|pressure|distress|struggles?)",
            r"lost (?:their|its|a|two|three|several) (?:biggest |largest |major |key |main )?"
            r"(?:clients?|customers?|contracts?)",
            r"(?:team|department|division|staff|workforce)\b[^.]{0,20}\b(?:was |were |has been |got )?"
            r"(?:cut|halved|reduced|disbanded|dissolved|cut in half|shrunk)",
            r"(?:struggling|struggles) (?:financially|to survive|to stay afloat|with cash)",
            r"cash(?:flow| flow)? (?:problems|issues|crunch)",
            r"let go (?:of )?\b[^.]{0,30}\b(?:staff|employees|workforce|people|team|headcount|jobs)",
            r"(?:shift\w*|chang\w*|switch\w*|refocus\w*) (?:their |its |the )?(?:whole )?(?:focus|"
            r"strategy|business model|core business)",
        ),
        "negative_feedback": (
            r"\b(?:unhappy|frustrat\w*|disappoint\w*|dissatisf\w*|annoy\w*|angry|upset|fed up|furious"
            r"|displeased|irritat\w*|exasperat\w*|livid)\b",
            r"!not (?:happy|satisfied|impressed|pleased|convinced)",
            r"let down",
            r"too (?:complex|complicated|hard to use|difficult|slow|buggy|clunky|confusing|"
            r"cumbersome|unreliable)",
            r"(?:hard|difficult|confusing|painful|impossible) to (?:use|navigate|understand|learn|"
            r"work with|set up)",
            r"!not (?:user[- ]friendly|intuitive|reliable)",
            r"\b(?:clunky|buggy|unusable|unreliable|unacceptable|useless|terrible|awful|horrible|"
            r"dreadful|appalling|nightmare)\b",
            r"!not worth (?:it|the (?:money|price|cost|effort|hassle))",
            r"waste of (?:money|time)",
            r"(?:poor|bad|terrible|awful|horrible|lousy|slow|unhelpful|disappointing|worst|"
            r"sluggish) (?:support|service|experience|quality|performance|product|responses?|"
            r"response times?|onboarding|documentation)",
            r"(?:support|service|response|responses|help ?desk)\b[^.]{0,15}\b(?:is|are|was|were|has "
            r"been|have been|keeps being) (?:slow|bad|poor|terrible|useless|unhelpful|unresponsive|"
            r"getting worse|awful|a joke)",
            r"(?:same|recurring|persistent|repeated|ongoing) (?:old )?(?:\w+ )?(?:problems?|issues?|bugs?|"
            r"errors?|outages?|complaints?)",
            r"!(?:still|again) (?:not (?:fixed|resolved|working|solved)|broken|failing|crashing|down)",
            r"!(?:not|never) (?:been )?(?:fixed|resolved|solved) (?:yet|properly|after)",
            r"(?:keeps?|kept) (?:breaking|failing|crashing|going down|happening)",
            r"(?:again and again|over and over|yet again|for the (?:second|third|fourth|fifth|"
            r"\d+(?:st|nd|rd|th)) time)",
            r"\bcomplain\w*|\bcomplaints?\b",
            r"(?:cancel|terminate|end|exit)\w* (?:our |the |their |this )?(?:contract|subscription|"
            r"account|licen[cs]e|agreement|partnership|at (?:the )?renewal|before (?:the )?renewal)",
            r"(?:we'll|we will|we're going to|they'll|they will|they're going to|going to) "
            r"(?:cancel|terminate|walk away|leave you|churn)",
            r"!(?:won't|will not|not going to|do not plan to|don't plan to|don't intend to|do not "
            r"intend to|unlikely to|may not|might not) (?:be )?renew\w*",
            r"(?:leave|leaving|get out) (?:you|mid-?term|early|before the end|the contract)|"
            r"(?:take|taking) (?:our |their )?business elsewhere|what (?:would )?it (?:would )?"
            r"take to leave",
            r"(?:critical|negative|harsh|sharp|angry|scathing) (?:feedback|comments?|review|"
            r"remarks?|email|tone)|\bcritici[sz]\w*",
            r"question\w* (?:the |our )?(?:value|worth|roi)",
            r"!(?:don't|do not|doesn't|does not|can't|cannot|fail to|failing to) see (?:the |any |"
            r"much |enough )?(?:value|benefit|point)",
            r"(?:reliability|stability|performance|quality) (?:issues|problems|concerns)",
            r"\bembarrass\w*|\bcurt\b|\bcold tone\b|tone (?:has )?(?:changed|shifted|cooled|turned)",
            r"(?:lost|losing) (?:trust|confidence|patience) in",
            r"\bridiculous\b|\ba joke\b",
            r"\b(?:nps|nps score|skor nps|nps-wert|csat)\b[^.\d]{0,10}\b[0-4]\b(?![\d%]|[.,]\d)",
            r"(?:support|service|help ?desk|your team|responses?|tickets?)\b[^.]{0,25}\b(?:takes?|took|"
            r"taking) (?:a week|days|weeks|forever|ages|too long|so long)",
            r"\bdetractors?\b|\b(?:1|2|one|two) (?:out of|/) ?(?:5|10|five|ten)\b",
        ),
        "engagement_drop": (
            r"(?:cancel\w*|skip\w*|postpon\w*|declin\w*|missed|no-?show\w*|dropp\w* out of|pushed "
            r"back|called off|bail\w* on|ditch\w*|blew off|blown off)\b[^.]{0,30}\b(?:"
            + _MEETINGS_EN
            + r")\b",
            r"\b(?:" + _MEETINGS_EN + r")\b[^.]{0,30}\b(?:cancel+ed|skipped|postponed|declined|"
            r"missed|called off|no-?show|dropped|scrapped|pushed back again|rescheduled (?:again|twice|"
            r"three times|several times|repeatedly))",
            r"cancel\w* (?:by|at) (?:the )?(?:customer|client|short notice|the last minute)|"
            r"last[- ]minute cancel\w*",
            r"!(?:did(?:n't| not)|never|failed to) (?:show up|turn up|attend|join|come|dial in)|"
            r"\bno-?show\b",
            r"!(?:no|not a single|zero) (?:reply|replies|response|responses|answer|feedback|word)"
            r"\b|radio silence",
            r"!(?:hasn't|haven't|has not|have not|didn't|did not|stopped|never|won't|doesn't|does "
            r"not) (?:\w+ )?(?:replied|repl(?:y|ying)|respond\w*|answer\w*|gotten back|got back|"
            r"get back|returned (?:my|our) (?:calls|emails))",
            r"!(?:ghost\w*|gone (?:quiet|silent|dark|cold)|went (?:quiet|silent|dark|cold)|"
            r"unresponsive|unreachable|hard to reach|impossible to reach|(?:not|no longer) "
            r"(?:responding|answering|engaging))",
            r"(?:slow|slower|longer|ages|days|weeks) to (?:reply|respond|answer|get back)|"
            r"takes? (?:days|weeks|much longer|ages|forever) to (?:reply|respond|answer|get back)|takes? "
            r"(?:a week|days|weeks|ages|forever) to hear back",
            r"used to (?:reply|respond|answer|get back)\b[^.]{0,30}\b(?:within|in|same)",
            r"(?:declin\w*|turn\w* down|refus\w*|reject\w*|ignor\w*|skipp\w*|pass\w* on) (?:our |the |an? |"
            r"every |all )?(?:invitation|invite|training|beta|feedback session|survey|workshop|"
            r"webinar|demo|offer to|office hours|onboarding|session|release notes|newsletter)s?",
            r"!(?:no|not|zero|little|lost) (?:any |much )?interest(?:ed)? in|no longer interested|"
            r"(?:don't|do not|doesn't|does not) (?:care|want to (?:hear|talk|meet))",
            r"!(?:nobody|no one|none of (?:them|the users|their team)) (?:attended|showed up|joined|"
            r"came|turned up|signed up|registered)",
            r"(?:stopped|stop) (?:attending|coming to|joining|engaging|showing up)",
            r"!(?:don't|do not|doesn't|does not) (?:need|want) (?:any of )?(?:the |your )?new "
            r"(?:stuff|features?|releases?|functionality|things)",
        ),
        "usage_decline": (
            r"(?:usage|use|logins?|log-ins?|activity|adoption|engagement with the (?:tool|product|"
            r"platform)|active users|sessions|daily users|weekly users|user count)\b[^.]{0,40}\b"
            r"(?:dropp\w*|declin\w*|fell|fallen|falling|down|decreas\w*|reduc\w*|shrink\w*|"
            r"plummet\w*|halved|dwindl\w*|is low|are low|very low|tanked|collaps\w*|dipped|slump\w*)",
            r"(?:drop|decline|fall|decrease|dip|slump) in (?:usage|use|logins?|activity|adoption|"
            r"active users|engagement)",
            r"(?:fewer|less) (?:and (?:fewer|less) )?(?:users|logins|people|sessions|activity|usage|"
            r"log-ins)",
            r"!(?:stopped|stop|quit|no longer|not|barely|hardly|rarely|never) (?:really )?"
            r"(?:using|logging in|log in|use|uses|opening|touching)",
            r"!(?:nobody|no one|hardly anyone|barely anyone|few people|only \w+ people) (?:uses?|is "
            r"using|logs? in|logged in|opens|touched)",
            r"(?:unused|idle|inactive|empty|unassigned|dormant|wasted) (?:seats?|licen[cs]es?|"
            r"accounts?|users?|logins?)",
            r"!(?:seats?|licen[cs]es?)\b[^.]{0,25}\b(?:unused|not (?:being )?used|sit(?:ting)? idle|"
            r"idle|empty|unassigned|gathering dust|never used)",
            r"(?:only|just) \d+ (?:of|out of) (?:their |the |our )?(?:\d+ )?(?:seats?|licen[cs]es?|"
            r"users?)",
            r"(?:only|just) \d+ (?:\w+ ){0,3}(?:logged in|log in|are active|were active|active users"
            r"|using it|use it)",
            r"!(?:ignor\w*|abandon\w*|gave up on|given up on|stopped using|not using|never use) "
            r"(?:the |our |their |a |any )?(?:key |core |main |new )?(?:features?|modules?|"
            r"dashboards?|automations?|reports?|tool|platform|product|workflows?)",
            r"back to (?:spreadsheets|excel|manual|email|the old)",
            r"!(?:doesn't|don't|do not|does not|no one|nobody) (?:even |really )?(?:open|use|log into|"
            r"touch)\w*\b[^.]{0,25}\b(?:anymore|any more|these days)",
            r"(?:module|feature|dashboard|report\w*|tool|platform|automation|workflow)s?\b[^.]{0,25}\b"
            r"(?:ignored|abandoned|unused|gathering dust|dead|shelved)",
            r"only (?:the |one |their )?(?:admin|administrator|champion|one person|one user|manager)"
            r" (?:still )?(?:opens|uses|logs in|touches)",
            r"!(?:seats?|licen[cs]es?|accounts?|users?)\b[^.]{0,25}\b(?:haven't|have not|hasn't|has "
            r"not|never) been (?:logged into|used|touched|activated|opened)",
        ),
    },
    "de": {
        "competitive": (
            r"(?:wie|was) (?:vergleichen|unterscheiden|schneiden|positionieren) (?:sie|ihr) sich",
            r"(?:im )?vergleich (?:zu|mit)",
            r"vergleich\w*\b[^.]{0,25}\b(?:mit|zu|gegen) " + NAME,
            r"(?:feature|funktions|preis|leistungs|anbieter)-?vergleich",
            r"\b(?:wettbewerb|konkurren|mitbewerber)\w*(?<!analyse)(?<!analysen)",
            r"(?:evaluier|prüf|test|schau|seh|umseh|umschau|vergleich|bewert|sondier|erkund)\w*\b"
            r"[^.]{0,40}\b(?:alternative\w*|andere\w* (?:anbieter|lösung\w*|tools?|plattform\w*|"
            r"systeme?|software|hersteller|produkte?))",
            r"\balternativ(?:e|en|er|anbieter)\b",
            r"(?:nach|über|auf) (?:andere\w*|alternative\w*) (?:anbieter|lösung\w*|tools?|plattform\w*)",
            r"(?:wechsel\w*|umsteig\w*|umgestiegen|migrier\w*|umzieh\w*|gewechselt) (?:zu|auf|nach) "
            r"(?:"
            + NAME
            + r"|einem anderen|einer anderen|einen anderen|ein anderes|dem wettbewerb)",
            r"(?:zu|nach|auf) " + NAME + r"(?: \w+)? (?:wechseln|wechselt|gewechselt|umsteigen|"
            r"umgestiegen|migrieren|gehen)",
            # German capitalises every noun: a name counts only after "uns"/"wir" or a hyphen.
            r"(?:uns|wir) " + NAME + r"\b[^.]{0,15}\b(?:anschauen|ansehen|angucken|testen|"
            r"evaluieren|ausprobieren|prüfen|vergleichen)",
            r"(?:schauen|sehen|gucken) (?:uns )?" + NAME + r"(?: \w+)? an\b",
            NAME + r"-(?:webinar|demo|event|präsentation|testversion|angebot)",
            NAME + r" (?:bietet|bot|hat uns|verspricht)\b[^.]{0,25}\b(?:günstiger|billiger|rabatt|"
            r"preis|hälfte|angebot)",
            r"(?:entschieden|entscheiden|entscheidet)\w* (?:sich |uns )?für (?:" + NAME + r"|einen "
            r"anderen|eine andere|die konkurrenz)",
            r"\bdatenexport\w*|\bexport (?:aller|der|unserer|ihrer) (?:daten|datensätze|historie)",
            r"(?:\w*daten|datensätze|historie)\b[^.]{0,30}\b(?:exportieren|export|übertragen|migrieren|"
            r"mitnehmen|herausziehen|rausziehen|raus|heraus|herausbekommen)\b",
            r"migrationsprozess|datenmigration|migrationspfad",
            r"(?:in|auf) ein anderes (?:tool|system|produkt)",
            r"(?:webinar|demo|angebot|präsentation|testzugang|testversion) (?:von|bei) " + NAME,
            r"(?:bei|von) " + NAME + r" (?:ist|gibt es) (?:das|dies|so etwas)\b[^.]{0,20}\b"
            r"(?:eingebaut|inklusive|standard|schon drin)",
            r"(?:ausschreibung|\brfp\b)",
            r"(?:habt|haben|gibt es|bietet|bieten)\b[^.]{0,40}\bwie (?:bei |die von |das von )?"
            + NAME,
            r"gegenüber " + NAME + r"|\balleinstellungsmerkmal\w*|\busp\b",
            r"bei " + NAME + r" (?:geht|gibt|ist|kann|klappt|funktioniert|kostet)",
            r"von "
            + NAME
            + r" (?:abhebt|unterscheidet)|schauen sich\b[^.]{0,25}\b(?:parallel|nebenbei|"
            r"auch) an\b",
            r"(?:den |unseren |ihren )?anbieter (?:wechseln|wechselt|gewechselt)|\banbieterwechsel\w*",
            r"(?:günstiger|billiger|preiswerter) als (?:sie|ihr|euch|ihr produkt|ihre lösung)\b|"
            r"(?:preislich|im preis)\b[^.]{0,20}\b(?:unter|günstiger|billiger)",
        ),
        "budget": (
            r"kosten\w*\b[^.]{0,10}\b(?:senken|reduzieren|sparen|einsparen|kürzen|drücken|runter)",
            r"(?:senken|reduzieren|kürzen|drücken|sparen)\w*\b[^.]{0,15}\b(?:die |unsere |ihre )?"
            r"(?:kosten|ausgaben|budget)",
            r"\b(?:spar\w*maßnahm\w*|sparkurs|sparprogramm\w*|kostensenkung\w*|einsparung\w*|"
            r"kostendruck|kostenreduktion|kostenbremse|sparzwang|einsparpotenzial\w*|sparpotenzial\w*)",
            r"(?:jeden|jede|alle|sämtliche) \w*(?:vertrag|verträge|anbieter|lizenz\w*|tools?|abos?)"
            r"\b[^.]{0,30}\b(?:prüfen|überprüfen|auf den prüfstand|hinterfragen|durchleuchten)",
            r"(?:preis\w*|kosten|lizenzkosten|gebühr\w*|rechnung|abo|verlängerung)\b[^.]{0,30}\b"
            r"(?:zu hoch|zu teuer|zu viel|zu happig|schwer zu rechtfertigen|gestiegen|explodiert)",
            r"!(?:preis\w*|kosten|lizenzkosten|gebühr\w*|rechnung|abo|verlängerung)\b[^.]{0,30}\b"
            r"nicht (?:mehr )?(?:tragbar|zu rechtfertigen)",
            r"\bzu teuer\b|\bzu hoch\b|\bzu kostspielig\b|\büberteuert\b|gürtel enger schnallen",
            r"\bpreiserhöhung\w*|\bpreissteigerung\w*",
            r"!(?:können|kann|könnten)\b[^.]{0,25}\bnicht (?:mehr )?leisten",
            r"(?:überprüf\w*|prüf\w*|hinterfrag\w*|bewert\w*|durchleucht\w*|analysier\w*|"
            r"evaluier\w*)\b[^.]{0,15}\balle (?:unsere |ihre )?(?:anbieter|lieferanten|tools|"
            r"verträge|ausgaben|software|lizenzen|dienstleister|abos)",
            r"alle (?:anbieter|lieferanten|verträge|tools|ausgaben|dienstleister)\b[^.]{0,20}\b"
            r"(?:überprüft|geprüft|auf den prüfstand|hinterfragt|bewertet)",
            r"auf den prüfstand|lieferantenkonsolidierung|anbieterkonsolidierung",
            r"(?:sämtliche|alle|jeden|jede) (?:\w+ )?(?:anbieter|lieferanten|dienstleister|verträge|tools|"
            r"lizenzen|abos|ausgaben)\b[^.]{0,20}\b(?:unter die lupe|auf den prüfstand)",
            r"\w*budget\w*\b[^.]{0,40}\b(?:knapp|knapper|gekürzt|kürzung\w*|eingefroren|gestrichen|"
            r"auf eis|gestoppt|zusammengestrichen|zusammengekürzt|eingedampft|"
            r"reduziert|begrenzt|eng|enger|unter druck|halbiert|kleiner|unklar|ungewiss|weg)",
            r"!budget\w*\b[^.]{0,25}\bnicht (?:freigegeben|genehmigt|bestätigt)",
            r"(?:knapp\w*|gekürzt\w*|eingefroren\w*|kleiner\w*|begrenzt\w*|geringer\w*) budget",
            r"\b(?:budgetkürzung\w*|budgetstopp|ausgabenstopp|budgetdruck|budgetfreeze|"
            r"budgetrestriktion\w*|haushaltssperre|investitionsstopp)",
            r"(?:müssen|muss|sollen|soll|brauchen|braucht)\b[^.]{0,30}\b(?:roi|mehrwert|nutzen|"
            r"return on investment)\b[^.]{0,20}\b(?:zeigen|nachweisen|belegen|rechtfertigen|sehen)",
            r"(?:roi|mehrwert|nutzen|ausgaben|kosten)\b[^.]{0,15}\b(?:rechtfertigen|nachweisen)",
            r"!\broi-?nachweis\w*|nachweis (?:des|für den) roi",
            r"(?:streicht|streichen|gestrichen)\b[^.]{0,30}\b(?:posten|budget|lizenz\w*|abo|vertrag)",
            r"doppelt so (?:teuer|hoch|viel)|(?:teurer|kostspieliger) als",
            r"(?:fragen|fragten|fragt|bitten|baten|bittet|wollen|wollten|will|wünschen|"
            r"verlangen|verlangt|fordern|fordert)\w*\b[^.]{0,25}\b(?:rabatt|nachlass|"
            r"preisnachlass|günstigeren preis|preisreduktion|preissenkung)",
            r"\bdowngrade\w*",
        ),
        "stakeholder_change": (
            r"(?:hat|haben|hatte|hatten)\b[^.]{0,25}\b(?:das unternehmen|die firma|uns|das team|"
            r"den kunden|das haus)\b[^.]{0,15}\bverlassen",
            r"(?:verlässt|verlassen|verließ)\b[^.]{0,10}\b(?:das unternehmen|die firma|uns|das team|"
            r"das haus)",
            r"\b(?:champion|sponsor\w*|ansprechpartner\w*|entscheider\w*|decision[- ]maker|"
            r"geschäftsführ\w*|cto|cio|cfo|ceo|vp|bereichsleiter\w*|abteilungsleiter\w*|it-leiter\w*|"
            r"teamleiter\w*|leiter\w*|chef\w*|admin\w*|hauptkontakt|kontakt\w*|einkäufer\w*|"
            r"fürsprecher\w*|vorgesetzte\w*)\b[^.]{0,40}\b(?:gekündigt|ausgeschieden|"
            r"geht in (?:rente|den ruhestand)|in (?:rente|den ruhestand)|gewechselt|wechselt "
            r"(?:intern|in|zu|die)|neue (?:rolle|position|aufgabe|stelle)|ersetzt|abgelöst|"
            r"befördert|weg\b|geht\b|gegangen|verabschiedet|in elternzeit|letzter arbeitstag)",
            r"!\b(?:champion|sponsor\w*|ansprechpartner\w*|entscheider\w*|kontakt\w*|"
            r"fürsprecher\w*)\b[^.]{0,40}\bnicht mehr (?:da|dabei|im unternehmen|bei|zuständig|"
            r"verantwortlich)",
            r"\b(?:neue|neuer|neuen|neues)\b (?:\w+ )?(?:führung\w*|geschäftsführ\w*|"
            r"geschäftsleitung|leitung|bereichsleiter\w*|abteilungsleiter\w*|it-leiter\w*|cto|cio|"
            r"cfo|ceo|vp|vorstand|chef\w*|vorgesetzte\w*|ansprechpartner\w*|entscheider\w*|"
            r"management|decision[- ]maker|champion|sponsor|eigentümer\w*|hauptkontakt)\b",
            r"\b(?:führungswechsel|personalwechsel|wechsel (?:in|an) der (?:führung|spitze|"
            r"geschäftsführung|leitung))",
            r"\b(?:übernahme|übernommen|fusion\w*|fusioniert|zusammenschluss|aufgekauft|gekauft von"
            r"|verkauft an)\b",
            r"\b(?:nachfolger\w*|nachfolge)\b",
            r"(?:rolle|position|job|abteilung|stelle|team)\b[^.]{0,10}\bgewechselt",
            r"(?:letzter arbeitstag|abschiedsmail|verabschiedet sich)",
        ),
        "business_change": (
            r"\b(?:entlassung\w*|stellenabbau\w*|personalabbau|arbeitsplatzabbau|kündigungswelle|"
            r"kurzarbeit|jobabbau|abbau von \w*stellen|stellen abbauen|stellen gestrichen|"
            r"mitarbeitende\w* entlassen|mitarbeiter\w* entlassen|entlassen)",
            r"\b(?:umstrukturierung|restrukturierung|reorganisation|umorganisation|neuausrichtung)"
            r"\w*(?! (?:unseres|unserer|des|der|ihres|ihrer|eures) (?:dashboard|bericht|report|seite|"
            r"ansicht|daten|menü|navigation|oberfläche|vorlage|ordner)\w*)",
            r"\b(?:strategiewechsel|kurswechsel|pivot\w*|sanierung\w*)",
            r"(?:streicht|streichen|gestrichen|abbauen|baut|bauen|abgebaut)\b[^.]{0,40}\b(?:\d[\d.]* )?"
            r"(?:stellen|arbeitsplätze|jobs)\b",
            r"(?:werk|standort|filiale|niederlassung|büro|fabrik|lager)\w*\b[^.]{0,30}\b(?:dicht|"
            r"geschlossen|schließen|aufgegeben)\b",
            r"\b(?:insolven\w*|konkurs|zahlungsunfähig\w*|pleite)",
            r"\b(?:einstellungsstopp|einstellungsstop|hiring freeze)",
            r"(?:schließ\w*|geschlossen|schließung\w*|dichtgemacht|stilllegung)\b[^.]{0,25}\b"
            r"(?:standort\w*|werk\w*|filiale\w*|niederlassung\w*|büro\w*|sparte|geschäftsbereich)",
            r"\b(?:standort\w*|werk\w*|filial\w*)schließung\w*",
            r"(?:umsatz\w*|absatz|auftragslage|aufträge|geschäft|gewinn\w*|erlöse?)\b[^.]{0,20}\b"
            r"(?:eingebrochen|rückläufig|gesunken|einbruch|bricht ein|brechen ein|eingebrochen|"
            r"schlecht|eingebrochen|weggebrochen|im keller|schwach)",
            r"\b(?:umsatzeinbruch|umsatzrückgang|auftragseinbruch|gewinnwarnung)",
            r"wirtschaftlich\w* (?:schwierig\w*|schwer\w*|angeschlagen|unter druck|schlecht)|"
            r"(?:schwierige|harte|schwere) zeiten|finanzielle\w* (?:schwierigkeit\w*|probleme?|"
            r"engpass|engpässe)",
            r"(?:team|abteilung|belegschaft|mannschaft)\w*\b[^.]{0,25}\b(?:halbiert|verkleinert|"
            r"aufgelöst|reduziert|gekürzt)",
            r"verkauf\w* (?:den|die|das|ihren|ihre|seinen) (?:geschäftsbereich|sparte|bereich)",
            r"(?:großkunden|größten kunden|hauptkunden|wichtigsten kunden) verloren",
            r"(?:fokus|strategie|geschäftsmodell|kerngeschäft)\w*\b[^.]{0,25}\b(?:verlagert|geändert|"
            r"umgestellt|neu ausgerichtet)",
        ),
        "negative_feedback": (
            r"\b(?:unzufrieden\w*|enttäusch\w*|frust\w*|verärger\w*|ärgerlich|sauer|genervt|"
            r"unglücklich|inakzeptabel|katastroph\w*|unbrauchbar|mangelhaft|zumutung|ärgern|"
            r"unmöglich|desaströs|peinlich|unterirdisch|miserabel)",
            r"!nicht (?:zufrieden|glücklich|überzeugt|begeistert)",
            r"\bumständlich\b",
            r"(?:schon wieder|erneut|wieder mal|zum \w+ mal) (?:hängt|hängen|fällt|fallen|stürzt|stürzen|"
            r"bricht|brechen|streikt|spinnt|klemmt|geht nichts)",
            r"(?:hatten|haben) wir (?:doch |schon |bereits )?\b[^.]{0,30}\bgemeldet",
            r"zu (?:kompliziert|komplex|umständlich|langsam|fehleranfällig|unübersichtlich|"
            r"verwirrend|aufwendig|aufwändig|instabil)",
            r"(?:schwer|schwierig|kompliziert|umständlich|mühsam) zu (?:bedienen|nutzen|verstehen|"
            r"handhaben|lernen)",
            r"!(?:lohnt|lohnen|rentiert) sich nicht|nicht (?:das geld|den preis|die kosten)? ?wert|"
            r"geldverschwendung|zeitverschwendung",
            r"(?:support|service|kundendienst|hotline|helpdesk|reaktionszeit\w*)\b[^.]{0,20}\b"
            r"(?:langsam|schlecht|miserabel|unbrauchbar|unterirdisch|mies|"
            r"eine katastrophe|ein witz|lässt nach|wird schlechter)",
            r"(?:schlecht\w*|miserabl\w*|langsam\w*|mies\w*|unzureichend\w*) (?:support|service|"
            r"qualität|performance|leistung|antwortzeit\w*|reaktionszeit\w*)",
            r"(?:dasselbe|das gleiche|dieselbe|derselbe|dieselben|die gleichen?|selbe\w*|gleiche\w*)"
            r" (?:problem\w*|fehler\w*|bug\w*|störung\w*|ausfall|ausfälle)",
            r"immer noch (?:nicht (?:behoben|gelöst|repariert|gefixt|erledigt)|kaputt|fehlerhaft)|"
            r"(?:noch )?immer nicht (?:behoben|gelöst|repariert|gefixt)",
            r"(?:immer wieder|schon wieder|erneut|ständig|wiederholt|zum (?:zweiten|dritten|"
            r"vierten|x-ten|\d+\.) mal)\b[^.]{0,30}\b(?:fehler\w*|probleme?|abstürze?|ausfälle?|"
            r"ausgefallen|abgestürzt|kaputt|bugs?|störung\w*)",
            r"\b(?:beschwer\w*|reklamation\w*|klage\w*|bemängel\w*)",
            r"\bkritik\w*|kritisch\w* (?:feedback|rückmeldung\w*|anmerkung\w*|töne)",
            r"\b(?:kündigen|kündigung|kündigt|gekündigt)\b[^.]{0,20}\b(?:vertrag\w*|abo\w*|"
            r"lizenz\w*|zusammenarbeit)|(?:vertrag\w*|abo\w*|zusammenarbeit)\b[^.]{0,20}\b"
            r"(?:kündigen|beenden|auflösen)",
            r"!nicht (?:mehr )?verlängern|keine verlängerung",
            r"(?:wert|nutzen|mehrwert|sinn)\b[^.]{0,20}\bin frage|in frage stell\w*|infrage stell\w*",
            r"!(?:sehen|sieht) (?:keinen|kaum|wenig) (?:mehrwert|nutzen|wert)",
            r"\bunzuverlässig\w*|(?:stabilitäts|performance|qualitäts)probleme?",
            r"kurz angebunden|gereizt\w*|unterkühlt\w*|(?:ton|stimmung) (?:ist|wird|hat sich)\b"
            r"[^.]{0,15}\b(?:kühler|rauer|schärfer|gekippt|verändert|verschlechtert)",
            r"vorzeitig\w* (?:ausstieg|aussteigen|kündigung|kündigen|beenden|raus)",
            r"(?:warten|wartet|gewartet)\b[^.]{0,20}\b(?:tagelang|wochenlang|ewig|zu lange|seit "
            r"tagen|seit wochen)",
            r"vertrauen (?:verloren|verlieren)",
            r"\b(?:wir|sie) kündigen\b|\bkündigen wir\b",
            r"!lohnt sich\b[^.]{0,30}\bnicht\b",
        ),
        "engagement_drop": (
            r"(?:abgesagt|sagt\w* ab|sagten\b[^.]{0,30}\bab\b|storniert|verschoben|fiel aus|"
            r"ausgefallen|platzen lassen|geplatzt|ferngeblieben|geschwänzt|abgelehnt|ausgelassen|"
            r"übersprungen)\b[^.]{0,30}\b(?:" + _MEETINGS_DE + r")\b",
            r"!nicht (?:erschienen|teilgenommen|gekommen)\b[^.]{0,30}\b(?:" + _MEETINGS_DE + r")\b",
            r"\b(?:" + _MEETINGS_DE + r")\b[^.]{0,40}\b(?:abgesagt|sagt\w* ab|storniert|"
            r"(?:erneut|wieder|schon wieder|zum \w+ mal) verschoben|ausgefallen|fiel aus|geplatzt|"
            r"abgelehnt|ausgelassen|übersprungen|gestrichen)",
            r"!\b(?:"
            + _MEETINGS_DE
            + r")\b[^.]{0,40}\b(?:nicht wahrgenommen|ohne (?:den )?kunden)",
            r"(?:kurzfristig|erneut|wieder|schon wieder|zum \w+ mal|vom kunden)\b[^.]{0,15}\b"
            r"(?:abgesagt|storniert)",
            r"!nicht erschienen|nicht aufgetaucht|nicht eingewählt|(?:ist|sind|war|waren) nicht "
            r"(?:dabei|da|gekommen)\b",
            r"!(?:keine|nie eine|null) (?:antwort|rückmeldung|reaktion|rückantwort)|funkstille|"
            r"(?:meldet|melden) sich (?:nicht|kaum|nie)(?: mehr| noch)?\b(?![^.]{0,20}\ban\b)",
            r"!(?:antwortet|antworten|reagiert|reagieren|antwortete)\b[^.]{0,20}\b(?:nicht mehr|kaum"
            r" noch|kaum|nie|nicht)\b",
            r"(?:antwortet|antworten|reagiert|reagieren|antwort\w*|rückmeldung\w*)\b[^.]{0,30}\b"
            r"(?:langsamer|viel später|erst nach (?:tagen|wochen)|tage|wochen|immer länger|"
            r"deutlich länger)",
            r"!(?:nicht (?:mehr )?erreichbar|schwer erreichbar|abgetaucht|auf tauchstation)",
            r"früher\b[^.]{0,40}\b(?:antwortete|antworteten|reagierte|reagierten|zurückgerufen)",
            r"(?:sagt|sagen|sagte|sagten)\b[^.]{0,40}\b(?:" + _MEETINGS_DE + r")\b[^.]{0,25}\bab\b",
            r"(?:lehnt\w*|abgelehnt)\b[^.]{0,40}\b(?:einladung|schulung|training|beta|feedback|"
            r"workshop|webinar|demo|termin|angebot)",
            r"!kein (?:interesse|interesse mehr)|(?:nicht|nicht mehr) interessiert|desinteress\w*",
            r"!(?:niemand|keiner|kein einziger)\b[^.]{0,15}\b(?:teilgenommen|erschienen|gekommen|"
            r"angemeldet|dabei)",
        ),
        "usage_decline": (
            r"(?:nutzung|logins?|anmeldungen|aktivität\w*|adoption|aktive\w* nutzer\w*|nutzerzahl\w*"
            r"|verwendung|einsatz)\b[^.]{0,45}\b(?:gesunken|sinkt|sinken|rückläufig|eingebrochen|"
            r"bricht ein|geht zurück|gehen zurück|gingen zurück|zurückgegangen|gefallen|fällt|"
            r"halbiert|gering|niedrig|abgenommen|nimmt ab|eingeschlafen|stark nach|lässt nach|"
            r"sackt ab|abgesackt)",
            r"\b(?:nutzungsrückgang|rückgang (?:der|bei der) nutzung|nutzungseinbruch)",
            r"(?:weniger|kaum noch|kaum|immer weniger) (?:nutzer\w*|logins|anmeldungen|aktivität|"
            r"genutzt|eingeloggt|benutzt|verwendet|leute|mitarbeitende|kolleg\w*)",
            r"!(?:nutzen|verwenden|benutzen|nutzt|verwendet|benutzt|öffnet|öffnen)\b[^.]{0,25}\b"
            r"(?:nicht mehr|kaum noch|kaum|fast nicht)",
            r"!nicht mehr (?:genutzt|verwendet|benutzt|eingeloggt|angemeldet)",
            r"(?:ungenutzt\w*|unbenutzt\w*|brachliegend\w*|leere\w*|inaktive\w*) "
            r"(?:lizenzen|seats|plätze|accounts|konten|nutzer\w*)",
            r"!(?:lizenzen|seats|plätze|konten|accounts)\b[^.]{0,50}\b(?:ungenutzt|nicht genutzt|"
            r"brach|nicht vergeben|leer|unbenutzt|inaktiv)",
            r"!(?:nutzt|nutzen|verwendet|benutzt|öffnet)\b[^.]{0,30}\b(?:keiner|niemand|kaum jemand)"
            r"(?: mehr)?",
            r"(?:meldet|melden|loggt|loggen) sich\b[^.]{0,25}\b(?:kaum|niemand|keiner|weniger)\b"
            r"[^.]{0,15}\b(?:an|ein)\b",
            r"liegen\b[^.]{0,25}\bbrach\b",
            r"!(?:rührt|rühren|fasst|fassen)\b[^.]{0,30}\b(?:keiner|niemand|kaum (?:noch )?(?:jemand|"
            r"einer))\b[^.]{0,10}\ban\b",
            r"!(?:arbeitet|arbeiten)\b[^.]{0,25}\b(?:nicht mehr|kaum noch|gar nicht mehr) (?:damit|"
            r"mit dem tool|mit der software|darin)",
            r"(?:wieder|zurück)\b[^.]{0,10}\b(?:über|mit|in|auf|zu) (?:excel|tabellen|e-mail|papier)",
            r"(?:nur noch|nur) \d+ (?:von|der) (?:\d+ )?(?:lizenzen|seats|nutzer\w*|plätzen)",
            r"(?:ignorier\w*|links liegen|aufgegeben)\b[^.]{0,20}\b(?:feature\w*|funktion\w*|"
            r"modul\w*|dashboard\w*|tool)",
        ),
    },
    "id": {
        "competitive": (
            r"dibandingkan dengan|dibanding(?:kan)? " + NAME,
            r"(?:bandingkan|membandingkan|perbandingan|banding)\b[^.]{0,25}\b(?:fitur|harga|dengan"
            r"|vendor|produk|" + NAME + r")",
            r"(?<!analisis )(?<!analisa )\b(?:kompetitor|pesaing|competitor|kompetisi)\w*",
            r"(?:competitive advantage|keunggulan (?:kompetitif|dibanding|anda|kalian))",
            r"(?:vendor|tool|tools|solusi|platform|aplikasi|sistem|produk|penyedia|software)\s+"
            r"(?:lain|alternatif|pesaing|kompetitor|yang lebih murah)",
            r"\balternatif\b",
            r"(?:pindah|beralih|migrasi|ganti|berpindah|hijrah) (?:ke|dengan|pakai|menggunakan) "
            r"(?:" + NAME + r"|vendor|tool|solusi|platform|aplikasi|sistem|produk|penyedia)",
            r"(?:export|ekspor|mengekspor|tarik|menarik)\b[^.]{0,25}\b(?:semua |seluruh )?data",
            r"data export|proses migrasi|memindahkan (?:semua |seluruh )?data|migrasi data",
            r"(?:webinar|demo|penawaran|proposal|trial) (?:dari )?" + NAME,
            r"(?:mengevaluasi|evaluasi|mencoba|coba|cobain|nyobain|nyoba|trial|uji coba|melirik|lirik|"
            r"menjajaki|jajaki|"
            r"mempertimbangkan|pertimbangkan)\b[^.]{0,20}\b" + NAME,
            NAME
            + r" (?:pun |juga )?(?:menawarkan|tawarkan|tawari|nawarin|kasih harga)\b[^.]{0,20}\b(?:harga|diskon|"
            r"potongan|gratis)",
            r"(?:mereka|" + NAME + r") (?:sudah )?(?:punya|memiliki|menyediakan) fitur",
            r"seperti (?:yang )?(?:dimiliki|dipunyai|punya|ada di|di|milik) " + NAME,
            r"lebih murah (?:dari|daripada|dibanding) (?:kalian|anda|kamu)",
            r"\brfp\b",
            NAME
            + r" (?:sudah |dah )?(?:ada|punya|memiliki|mempunyai|menyediakan) (?:integrasi|ciri|"
            r"fitur|fungsi|feature)",
            NAME + r"\b[^.]{0,40}\blebih murah",
        ),
        "budget": (
            r"(?:memotong|potong|memangkas|pangkas|mengurangi|kurangi|menekan|tekan|menghemat|"
            r"hemat|penghematan|efisiensi|pemotongan|pengurangan|membekukan|bekukan|dibekukan)\b"
            r"[^.]{0,25}\b(?:biaya|anggaran|"
            r"budget|pengeluaran|cost|belanja)",
            r"(?:biaya|anggaran|budget|pengeluaran)\b[^.]{0,25}\b(?:dipotong|dipangkas|dikurangi|"
            r"ketat|terbatas|dibekukan|ditekan|dikunci|habis|menipis|seret)",
            r"!(?:biaya|anggaran|budget|pengeluaran)\b[^.]{0,25}\b(?:(?:belum|tidak) disetujui|"
            r"tidak ada)",
            r"(?:harga|biaya|tarif|langganan|tagihan|invoice)\w*\b[^.]{0,20}\b(?:terlalu (?:tinggi|"
            r"mahal|besar)|kemahalan|naik|mahal|berat|kemahalan|melonjak)",
            r"(?:terlalu|kelewat) mahal|kemahalan|mahal (?:banget|sekali)|kurang terjangkau",
            r"!tidak terjangkau",
            r"!(?:tidak|tak|nggak|gak) (?:mampu|sanggup|kuat) (?:membayar|bayar)",
            r"(?:review|mereview|meninjau|mengkaji|evaluasi|mengevaluasi|audit)\w*\b[^.]{0,10}\b"
            r"(?:ulang )?semua (?:vendor|langganan|tools?|kontrak|pengeluaran|aplikasi|software)",
            r"(?:perlu|harus|butuh|mesti|diminta)\b[^.]{0,20}\b(?:menunjukkan|membuktikan|tunjukkan|"
            r"buktikan|lihat|melihat)\b[^.]{0,25}\b(?:roi|nilai|value|hasil)",
            r"(?:minta|meminta|tanya|menanyakan|mengharapkan)\b[^.]{0,15}\b(?:diskon|potongan harga|"
            r"harga (?:lebih )?murah|keringanan)",
            r"\bdowngrade\b",
            r"(?:minta|meminta|mau|perlu|butuh)\b[^.]{0,15}\b(?:bukti|justifikasi)\b[^.]{0,15}\b"
            r"(?:roi|nilai|value|hasil)",
            r"(?:perlu|harus|minta|mesti|diminta|suruh|mau)\b[^.]{0,15}\b(?:buktiin|buktikan|"
            r"membuktikan|tunjukin|tunjukkan)\b[^.]{0,15}\broi",
            r"(?:mau|ingin|perlu|minta) (?:lihat|melihat)\b[^.]{0,15}\broi",
        ),
        "stakeholder_change": (
            r"(?:meninggalkan|keluar dari|resign dari|mengundurkan diri dari|berhenti dari|"
            r"hengkang dari) (?:perusahaan|kantor|tim|organisasi)",
            r"(?:sudah|telah|baru|akan)\s+(?:resign|mengundurkan diri|pensiun|hengkang|dipecat|"
            r"di-phk|berhenti (?:bekerja|kerja)|keluar dari (?:perusahaan|kantor))",
            r"\b(?:dimutasi|dirotasi|dipindahtugaskan)\b",
            r"!bukan (?:beliau|dia|ia)(?: lagi)? yang (?:pegang|memegang|urus|mengurus|menangani)",
            r"\b(?:resign|mengundurkan diri|hengkang)\b",
            r"\b(?:champion|sponsor|decision maker|pengambil keputusan|kontak|pic|cto|cio|cfo|ceo|"
            r"vp|direktur|kepala \w+|atasan|pimpinan|admin|manajer)\b[^.]{0,30}\b(?:pindah (?:kerja|"
            r"divisi|bagian|tim|jabatan|ke perusahaan lain)|dimutasi|dirotasi|ganti jabatan|"
            r"diganti|digantikan|dipromosikan|pensiun)",
            r"!\b(?:champion|sponsor|decision maker|pengambil keputusan|kontak|pic|direktur|"
            r"kepala \w+|atasan|pimpinan|admin|manajer)\b[^.]{0,30}\b(?:tidak lagi (?:bekerja|di|"
            r"menangani|pegang)|sudah tidak (?:di|bekerja))",
            r"\b(?:leadership|pimpinan|manajemen|direksi|direktur|cto|cio|cfo|ceo|vp|kepala \w+|"
            r"decision maker|pengambil keputusan|kontak|pic|champion|atasan|sponsor|pemilik)"
            r"\s+(?:yang\s+)?baru\b",
            r"\b(?:penggantinya|pengganti (?:nya|dia|beliau|champion|pic)|digantikan oleh)\b",
            r"\b(?:akuisisi|diakuisisi|merger|dimerger|diambil alih|pengambilalihan|dibeli oleh)\b",
            r"(?:ganti|pergantian|penggantian|berganti) (?:direksi|pimpinan|manajemen|direktur|ceo|"
            r"cfo|cto|pic|kontak|champion|atasan|kepemimpinan)\b(?! (?:penagihan|tagihan|billing|"
            r"invoice|email|telepon|alamat))",
            r"(?:dipegang|diambil alih|ditangani|diurus) (?:oleh )?orang baru",
            r"!(?:tidak|tak) lagi (?:bersama|bekerja di|di) (?:perusahaan|kantor|mereka|sana)",
        ),
        "business_change": (
            r"\b(?:phk|layoff|lay-off|pemutusan hubungan kerja|merumahkan|dirumahkan|pengurangan "
            r"(?:karyawan|pegawai|staf|tenaga kerja)|perampingan|pemangkasan (?:karyawan|pegawai|"
            r"staf))",
            r"\b(?:restrukturisasi|reorganisasi|pivot|perubahan strategi|arah (?:bisnis )?baru|"
            r"perombakan)",
            r"\b(?:bangkrut|pailit|kebangkrutan|gulung tikar|pkpu)",
            r"(?:penutupan|menutup|tutup|ditutup)\b[^.]{0,10}\b(?:kantor|cabang|pabrik|toko|gudang"
            r"|unit bisnis|divisi)",
            r"(?:pendapatan|penjualan|omzet|revenue|bisnis|order|keuntungan)\w*\b[^.]{0,20}\b"
            r"(?:turun|anjlok|menurun|merosot|jatuh|lesu|sepi)",
            r"kesulitan (?:keuangan|finansial|dana)|masa (?:sulit|berat)|krisis (?:keuangan|"
            r"finansial)|masalah (?:keuangan|finansial|arus kas)",
            r"(?:tim|divisi|departemen|karyawan)\b[^.]{0,25}\b(?:dipangkas|dikurangi|dibubarkan|"
            r"dipotong|dirampingkan|setengah)",
            r"(?:moratorium|pembekuan|stop) (?:rekrutmen|perekrutan|hiring)|berhenti merekrut",
            r"kehilangan (?:klien|pelanggan|kontrak) (?:besar|terbesar|utama)",
            r"kerugian (?:besar|berat|terus)|rugi besar|menjual (?:sebagian|sebahagian) "
            r"(?:bisnis|usaha|perusahaan|perniagaan|syarikat)",
            r"(?:beralih|mengalihkan|alihkan|ubah|mengubah) (?:fokus|arah|strategi|model bisnis)|"
            r"(?:hilang|kehilangan) (?:pendapatan|omzet|penjualan)",
        ),
        "negative_feedback": (
            r"\b(?:kecewa|frustrasi|frustasi|frustrated|kesal|marah|jengkel|dongkol|muak|sebal|"
            r"capek|kapok)\b",
            r"!(?:tidak|kurang|nggak|gak) (?:puas|senang|nyaman|happy)",
            r"(?:terlalu|sangat|makin|semakin) (?:kompleks|rumit|sulit|ribet|lambat|lemot|lelet|"
            r"membingungkan)",
            r"(?:susah|sulit|ribet|rumit) (?:dipakai|digunakan|dipahami|dimengerti|dioperasikan)",
            r"!tidak (?:sepadan|sebanding|worth|layak|sesuai dengan (?:harga|biaya))(?! dengan (?:data|"
            r"angka|rekod|catatan|laporan))|buang(?:-| )buang (?:uang|waktu|duit)|"
            r"sia-sia",
            r"(?:support|dukungan|layanan|respons|respon|cs|customer service|helpdesk)\w*\b"
            r"[^.]{0,25}\b(?:lambat|buruk|jelek|parah|mengecewakan|lelet|lemot|payah)",
            r"(?:masalah|bug|error|kendala|isu|gangguan)\b[^.]{0,25}\b(?:yang )?sama(?: lagi)?",
            r"(?:muncul|terjadi|kambuh|rusak|gagal|down|error|crash|bermasalah) lagi\b",
            r"!(?:masih|tetap|belum juga)\b[^.]{0,10}\b(?:belum|tidak) (?:diperbaiki|beres|selesai|"
            r"teratasi|jalan|berfungsi)",
            r"\b(?:lagi-lagi|berulang(?: kali)?|terus-?menerus|kesekian kalinya|untuk kedua "
            r"kalinya|untuk ketiga kalinya)\b",
            r"\b(?:keluhan|komplain|mengeluh\w*|mengadu)\b",
            r"\bkritik\w*|(?:feedback|masukan|nada) (?:yang )?(?:kritis|negatif|keras|tajam)",
            r"(?:mempertanyakan|meragukan)\b[^.]{0,10}\b(?:value|nilai|manfaat|roi)",
            r"!tidak (?:melihat|merasakan) (?:value|nilai|manfaat)",
            r"(?:membatalkan|batalkan|mengakhiri|memutus|putus|stop)\b[^.]{0,15}\b(?:kontrak|"
            r"langganan|akun|layanan|kerja ?sama)",
            r"berhenti berlangganan",
            r"!(?:tidak|nggak|gak|enggak|tak) akan (?:melakukan )?(?:renewal|perpanjang\w*|memperpanjang|lanjut)|"
            r"berhenti di tengah kontrak",
            r"\bketus\b|nada\w*\b[^.]{0,15}\b(?:dingin|ketus|berubah|tinggi)",
            r"!(?:tidak|kurang) (?:andal|stabil|reliable)|reliabilitas|sering (?:error|down|crash|"
            r"gagal|bermasalah)",
            r"\bmemalukan\b|\bparah\b|\bkacau\b",
            r"\bribet\b",
            r"!(?:nggak|tidak|gak|enggak) (?:ngerti|mengerti|paham) cara (?:pakai|memakai|menggunakan)",
        ),
        "engagement_drop": (
            r"!(?:tidak hadir|tidak datang|tidak muncul)\b[^.]{0,30}\b(?:" + _MEETINGS_ID + r")",
            r"(?:dibatalkan|membatalkan|batal|ditunda|menunda|diundur|mengundur|absen|mangkir|"
            r"menolak|melewatkan|skip)\b[^.]{0,30}\b(?:" + _MEETINGS_ID + r")",
            r"(?:" + _MEETINGS_ID + r")\b[^.]{0,30}\b(?:dibatalkan|batal|ditunda lagi|diundur lagi|"
            r"dilewatkan|ditolak)",
            r"!(?:" + _MEETINGS_ID + r")\b[^.]{0,30}\btidak (?:dihadiri|jadi)",
            r"dibatalkan (?:oleh )?(?:pelanggan|klien|customer|mereka)|(?:dibatalkan|batal)\b"
            r"[^.]{0,10}\b(?:mendadak|mendadak sekali|last minute)",
            r"!(?:pelanggan|klien|customer|mereka|champion|pic)\b[^.]{0,10}\b(?:tidak hadir|tidak "
            r"datang|tidak muncul|mangkir)",
            r"!(?:tidak ada|belum ada|tanpa|nggak ada|gak ada) (?:balasan|respons|respon|jawaban|"
            r"tanggapan|kabar)",
            r"!(?:tidak|belum|jarang|nggak|gak) (?:lagi )?(?:membalas|merespons|merespon|menjawab|"
            r"menanggapi|bales|balas|dibalas|direspons)",
            r"(?:lambat|lama|makin lama|semakin lama|berhari-hari|berminggu-minggu)\b[^.]{0,10}\b"
            r"(?:membalas|merespons|merespon|menjawab|dibalas|balas)",
            r"\b(?:menghilang|ghosting|susah dihubungi|sulit dihubungi)\b",
            r"!tidak bisa dihubungi",
            r"(?:menolak|tolak)\b[^.]{0,10}\b(?:undangan|training|pelatihan|beta|sesi|workshop|"
            r"webinar|demo|survei|feedback)",
            r"!(?:tidak|kurang|nggak|gak) (?:tertarik|minat|berminat)",
            r"(?:males|malas|ogah|enggan) (?:ikut|datang|hadir|join|ikutan)",
            r"(?:dulu|biasanya)\b[^.]{0,40}\b(?:balas|bales|membalas|jawab|menjawab|respons|respon)"
            r"\b[^.]{0,50}\bsekarang",
            r"!(?:tidak ada|tak ada|nggak ada|gak ada) (?:seorang pun|satu pun|yang)\b[^.]{0,30}\b"
            r"(?:hadir|datang|ikut|join)",
        ),
        "usage_decline": (
            r"(?:penggunaan|pemakaian|usage|login|aktivitas|adopsi|user aktif|pengguna aktif|"
            r"jumlah user|jumlah pengguna)\w*\b[^.]{0,25}\b(?:turun|menurun|berkurang|anjlok|"
            r"rendah|merosot|sedikit|drop|jatuh|sepi)",
            r"(?:makin|semakin) (?:sedikit|jarang) (?:yang )?(?:login|memakai|menggunakan|pakai)",
            r"!(?:berhenti|tidak lagi|sudah tidak|jarang|tidak pernah) (?:lagi )?(?:menggunakan|"
            r"memakai|pakai|login|membuka|buka)",
            r"!(?:seat|lisensi|akun|license)\w*\b[^.]{0,20}\b(?:(?:tidak|belum) (?:pernah )?(?:terpakai|"
            r"dipakai|digunakan|login)"
            r"|nganggur|menganggur|kosong|sia-sia|belum dipakai)",
            r"!(?:tidak ada|hampir tidak ada|jarang ada|sedikit sekali) yang (?:memakai|menggunakan"
            r"|pakai|login|membuka)",
            r"kembali (?:ke|pakai|menggunakan) (?:excel|spreadsheet|manual|cara lama)",
            r"(?:fitur|modul|dashboard|laporan|tool|aplikasi)\b[^.]{0,60}\b(?:dicuekin|diabaikan|"
            r"ditinggal\w*|nganggur|terbengkalai)",
            r"(?:hanya|cuma) \d+ (?:dari|user dari) \d+ (?:seat|lisensi|user|pengguna)",
            r"(?:hanya|cuma|tinggal) \d+ (?:orang |user |pengguna )?(?:yang )?(?:login|memakai|pakai|"
            r"aktif|menggunakan)",
            r"yang (?:login|pakai|memakai|menggunakan|aktif) (?:cuma|hanya|tinggal)",
            r"!(?:sudah|udah)\b[^.]{0,20}\b(?:tidak|tak|nggak|gak) (?:login|masuk|pakai|memakai|"
            r"membuka|buka)",
            r"!(?:fitur|modul|dashboard|laporan|tool|aplikasi|sistem)\b[^.]{0,30}\b(?:tidak|tak|"
            r"jarang|belum) (?:pernah )?(?:disentuh|dipakai|digunakan|dibuka|terpakai)",
        ),
    },
    "ms": {
        "competitive": (
            r"dibandingkan dengan|berbanding (?:dengan )?" + NAME,
            r"(?:bandingkan|membandingkan|perbandingan)\b[^.]{0,25}\b(?:ciri|harga|dengan|vendor|"
            r"produk|" + NAME + r")",
            r"(?<!analisis )(?<!analisa )\b(?:pesaing|kompetitor|competitor|saingan)\w*",
            r"kelebihan (?:persaingan|daya saing|berbanding|anda)",
            r"(?:vendor|alat|penyelesaian|platform|aplikasi|sistem|produk|pembekal|perisian)\s+"
            r"(?:lain|alternatif|pesaing|saingan|yang lebih murah)",
            r"\balternatif\b",
            r"(?:pindah|beralih|berpindah|migrasi|tukar) (?:ke|kepada|guna|menggunakan) (?:"
            + NAME
            + r"|vendor|alat|penyelesaian|platform|sistem|pembekal|produk|perisian)",
            r"(?:eksport|export|mengeksport|keluarkan)\b[^.]{0,25}\b(?:semua |seluruh )?data",
            r"proses migrasi|pindahkan (?:semua |seluruh )?data|migrasi data",
            r"(?:webinar|demo|tawaran|cadangan|percubaan) (?:daripada |dari )?" + NAME,
            r"(?:menilai|mencuba|cuba|mempertimbangkan|meninjau|menimbang)\b[^.]{0,20}\b" + NAME,
            NAME
            + r" (?:pun |juga )?(?:tawarkan|menawarkan|tawar)\b[^.]{0,20}\b(?:harga|diskaun|pakej|"
            r"potongan|percuma)",
            r"(?:mereka|" + NAME + r") (?:sudah |dah )?(?:ada|mempunyai|menyediakan) ciri",
            r"seperti (?:yang )?(?:ada pada|ada di|dimiliki|di|milik) " + NAME,
            r"lebih murah (?:daripada|dari|berbanding) (?:anda|kalian|awak)",
            r"\brfp\b",
            NAME
            + r" (?:sudah |dah )?(?:ada|mempunyai|menyediakan) (?:integrasi|ciri|fungsi|feature)",
            NAME + r"\b[^.]{0,40}\blebih murah",
        ),
        "budget": (
            r"(?:potong|memotong|kurangkan|mengurangkan|jimat|menjimatkan|pangkas|memangkas|"
            r"penjimatan|pengurangan|membekukan|bekukan|dibekukan)\b[^.]{0,25}\b(?:kos|bajet|"
            r"belanjawan|perbelanjaan|belanja)",
            r"dua kali ganda|lebih mahal (?:daripada|dari|berbanding)",
            r"(?:kos|bajet|belanjawan|perbelanjaan|peruntukan)\b[^.]{0,25}\b(?:dipotong|"
            r"dikurangkan|ketat|terhad|dibekukan|dipangkas|habis|kecil)",
            r"!(?:kos|bajet|belanjawan|perbelanjaan|peruntukan)\b[^.]{0,25}\b(?:(?:tidak|belum) "
            r"diluluskan|tiada)",
            r"(?:harga\w*|kos|yuran|caj|langganan|bil)\b[^.]{0,20}\b(?:terlalu (?:tinggi|mahal)|"
            r"naik|mahal|melambung)",
            r"terlalu mahal",
            r"!tidak mampu milik",
            r"!(?:tidak|tak) mampu (?:bayar|membayar|nak bayar)",
            r"(?:mengkaji|mengkaji semula|menyemak|semak|kaji semula|menilai semula|meneliti)\w*\b"
            r"[^.]{0,10}\bsemua (?:vendor|pembekal|langganan|kontrak|alat|perisian)",
            r"(?:perlu|mesti|harus|kena|nak|mahu|hendak|ingin)\b[^.]{0,20}\b(?:tunjukkan|menunjukkan|"
            r"buktikan|membuktikan|lihat|melihat|tengok)\b[^.]{0,25}\b(?:roi|nilai|pulangan)",
            r"(?:minta|meminta|tanya)\b[^.]{0,15}\b(?:diskaun|potongan harga|harga (?:lebih )?"
            r"(?:rendah|murah))",
            r"(?:minta|meminta|mahu|perlu)\b[^.]{0,15}\b(?:bukti|justifikasi)\b[^.]{0,15}\b"
            r"(?:roi|nilai|pulangan)",
            r"\bdowngrade\b",
        ),
        "stakeholder_change": (
            r"(?:meninggalkan|keluar dari|berhenti dari|letak jawatan dari) (?:syarikat|organisasi|"
            r"pasukan|firma)",
            r"\b(?:(?:me)?letak(?:kan)? jawatan|berhenti kerja|bersara|resign|dipecat|"
            r"bertukar (?:jabatan|kerja|jawatan|peranan|syarikat)|tukar (?:jabatan|kerja|jawatan|"
            r"peranan)|berpindah (?:jabatan|kerja|syarikat))\b",
            r"(?:sudah|telah|dah|baru) (?:berhenti kerja|berhenti dari syarikat|keluar dari syarikat|"
            r"resign|bersara)",
            r"bertukar (?:ke |kepada )?(?:jabatan|bahagian|peranan|jawatan|syarikat)",
            r"!bukan lagi (?:di bawah|dikendalikan oleh|diuruskan oleh) (?:beliau|dia)",
            r"\b(?:pengurusan|kepimpinan|pimpinan|pengarah|cto|cio|cfo|ceo|vp|ketua \w+|pembuat "
            r"keputusan|kenalan|champion|penyokong|penaja|pemilik|bos)\s+(?:yang\s+)?baharu\b",
            r"\b(?:diganti|digantikan|penggantinya|pengganti (?:beliau|dia|nya))\b",
            r"\b(?:pengambilalihan|diambil alih|penggabungan|bergabung dengan syarikat|merger|"
            r"diakuisisi|dibeli oleh)\b",
            r"pertukaran (?:pengurusan|kepimpinan|pengarah|kenalan)",
            r"!(?:tidak lagi|sudah tidak|dah tak) (?:bekerja|bersama|di syarikat|bertugas|menguruskan)",
        ),
        "business_change": (
            r"(?:pemberhentian|pembuangan|membuang|buang|memberhentikan)\b[^.]{0,15}\b(?:pekerja|"
            r"kakitangan|staf)",
            r"kerugian (?:besar|teruk)|rugi (?:besar|teruk)|menjual sebahagian (?:perniagaan|syarikat)",
            r"\b(?:pemberhentian kerja|diberhentikan|"
            r"\bvss\b|layoff|pengurangan (?:pekerja|kakitangan|staf))",
            r"\b(?:penstrukturan semula|menstruktur semula|penyusunan semula|struktur semula|"
            r"pivot|perubahan strategi|hala tuju baharu|rombakan)",
            r"\b(?:muflis|bankrap|gulung tikar|ditutup operasi)",
            r"(?:penutupan|tutup|menutup|ditutup)\b[^.]{0,10}\b(?:pejabat|cawangan|kilang|kedai|"
            r"gudang|bahagian)",
            r"(?:pendapatan|jualan|hasil|perniagaan|keuntungan|tempahan)\w*\b[^.]{0,20}\b(?:jatuh|"
            r"merosot|menurun|turun|teruk|lembap|merudum|menjunam)",
            r"kesukaran kewangan|masalah kewangan|masa sukar|krisis kewangan|masalah aliran tunai",
            r"(?:pasukan|jabatan|bahagian|kakitangan)\b[^.]{0,25}\b(?:dipotong|dikecilkan|"
            r"dikurangkan|dibubarkan|separuh)",
            r"pembekuan pengambilan|berhenti mengambil pekerja|bekukan pengambilan",
            r"(?:beralih|alih|ubah|mengubah|menukar|tukar) (?:fokus|hala tuju|strategi|model "
            r"perniagaan)|(?:hilang|kehilangan) (?:pendapatan|hasil|jualan)",
            r"kehilangan (?:pelanggan|klien|kontrak) (?:besar|terbesar|utama)",
        ),
        "negative_feedback": (
            r"\b(?:kecewa|geram|marah|bengang|frustrasi|kesal|muak|menyampah|serik)\b",
            r"!(?:tidak|kurang|tak) (?:puas hati|berpuas hati|gembira|senang)",
            r"(?:terlalu|sangat|makin|semakin) (?:kompleks|rumit|sukar|susah|perlahan|lambat|"
            r"mengelirukan|leceh)",
            r"(?:susah|sukar|rumit|leceh) (?:digunakan|dipakai|difahami|nak guna)",
            r"!(?:tidak|tak) berbaloi",
            r"membazir|sia-sia",
            r"(?:sokongan|khidmat|perkhidmatan|respons|maklum balas)\w*\b[^.]{0,15}\b(?:perlahan|"
            r"lambat|teruk|buruk|mengecewakan|lembap)",
            r"(?:masalah|pepijat|ralat|isu|bug|gangguan)\b[^.]{0,10}\b(?:yang )?sama(?: lagi)?",
            r"!(?:masih|tetap)\b[^.]{0,10}\b(?:belum|tidak|tak) (?:dibaiki|diselesaikan|selesai|"
            r"dibetulkan|berfungsi)",
            r"\b(?:berulang(?: kali)?|berkali-kali|lagi dan lagi|kali kedua|kali ketiga)\b",
            r"\b(?:aduan|komplen|merungut|mengadu|rungutan)\b",
            r"\b(?:kritikal|kritikan|mengkritik)|maklum balas (?:negatif|kritikal)",
            r"mempersoalkan (?:nilai|manfaat|roi)",
            r"!(?:tidak|tak) nampak (?:nilai|manfaat)",
            r"(?:membatalkan|batalkan|tamatkan|menamatkan|hentikan) (?:kontrak|langganan|akaun|"
            r"perkhidmatan)",
            r"!(?:tidak|tak) akan (?:memperbaharui|perbaharui|sambung|menyambung)",
            r"nada (?:kasar|dingin|tegang)|\bkasar\b",
            r"!(?:tidak|kurang|tak) (?:stabil|boleh dipercayai)|kerap (?:ralat|gagal|tergendala|rosak)",
            r"\bmemalukan\b|pening kepala",
            r"(?:susah|sukar|rumit|leceh) (?:sangat )?(?:nak |untuk )?(?:guna|digunakan|dipakai|faham)",
        ),
        "engagement_drop": (
            r"(?:dibatalkan|membatalkan|batal\w*|(?:di|men)?tangguh\w*|ponteng|menolak|terlepas)"
            r"\b[^.]{0,30}\b(?:" + _MEETINGS_MS + r")",
            r"!(?:tidak hadir|tak hadir|tidak datang)\b[^.]{0,30}\b(?:" + _MEETINGS_MS + r")",
            r"(?:"
            + _MEETINGS_MS
            + r")\b[^.]{0,30}\b(?:dibatalkan|batal|ditangguhkan lagi|ditolak)",
            r"!(?:" + _MEETINGS_MS + r")\b[^.]{0,30}\b(?:tidak dihadiri|tak jadi)",
            r"dibatalkan (?:oleh )?(?:pelanggan|klien|mereka)|(?:dibatalkan|batal)\b[^.]{0,10}\b"
            r"(?:mengejut|saat akhir|last minute)",
            r"!(?:pelanggan|klien|mereka|penyokong|champion)\b[^.]{0,10}\b(?:tidak hadir|tak hadir|"
            r"tidak datang|ponteng)",
            r"!(?:tiada|tidak ada|tanpa|tak ada) (?:balasan|maklum balas|jawapan|respons|khabar)",
            r"!(?:tidak|belum|jarang|tak) (?:lagi )?(?:membalas|balas|menjawab|jawab|memberi respons)",
            r"(?:lambat|lama|makin lama|berhari-hari|berminggu-minggu)\b[^.]{0,10}\b(?:membalas|"
            r"balas|menjawab|jawab|respons)",
            r"\b(?:menghilang|senyap|sukar dihubungi|susah dihubungi)\b",
            r"!tidak dapat dihubungi",
            r"(?:menolak|tolak)\b[^.]{0,10}\b(?:jemputan|latihan|beta|sesi|bengkel|webinar|demo|"
            r"tinjauan)",
            r"!(?:tidak|kurang|tiada|tak) (?:berminat|minat)",
            r"(?:dulu|dahulu|biasanya)\b[^.]{0,40}\b(?:balas|membalas|jawab|menjawab|respons)\b"
            r"[^.]{0,50}\bsekarang",
            r"!(?:tiada|tidak ada|tak ada) (?:seorang pun|sesiapa|siapa pun)\b[^.]{0,40}\b(?:hadir|"
            r"datang|sertai|menyertai)",
        ),
        "usage_decline": (
            r"(?:penggunaan|log masuk|aktiviti|pengguna aktif|adopsi|bilangan pengguna)\w*\b"
            r"[^.]{0,25}\b(?:menurun|turun|jatuh|merosot|berkurangan|rendah|sedikit|kurang)",
            r"(?:semakin|makin) (?:kurang|sedikit|jarang) (?:yang )?(?:log masuk|guna|menggunakan)",
            r"!(?:berhenti|tidak lagi|sudah tidak|dah tak|jarang|tak pernah|tidak pernah) "
            r"(?:lagi )?(?:menggunakan|guna|log masuk|buka|membuka)",
            r"!(?:seat|lesen|akaun)\w*\b[^.]{0,20}\b(?:(?:tidak|tak|belum) (?:pernah )?(?:digunakan|"
            r"dipakai)|tak guna|terbiar|"
            r"kosong|membazir)",
            r"!(?:tiada|hampir tiada|jarang) (?:orang )?yang (?:guna|menggunakan|log masuk|buka)",
            r"kembali (?:ke|guna|menggunakan) (?:excel|spreadsheet|hamparan|manual|cara lama)",
            r"(?:hanya|cuma) \d+ (?:daripada|dari) \d+ (?:seat|lesen|pengguna)",
            r"(?:hanya|cuma|tinggal) (?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|satu|dua|tiga|empat|lima|enam|tujuh|lapan|delapan|sembilan|sepuluh) (?:orang |pengguna )?(?:yang )?"
            r"(?:log masuk|guna|menggunakan|aktif)",
            r"!(?:langsung )?(?:tak|tidak) (?:guna|menggunakan|pakai|buka)\b[^.]{0,5}\b(?:modul|ciri|"
            r"alat|dashboard|laporan|sistem|platform|perisian|fungsi)",
        ),
    },
}

# Paraphrases of the development sets' misses (issue 18, fourth round): families that new
# wording keeps using (back to paper, the nth time, an offer turned down, bought by, a budget
# frozen), per language, merged into LEXICON below. "!" keeps a phrase that needs its negation.
_MORE: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "usage_decline": (
            r"(?:went|gone|going|are|is|were|'re) back to (?:their |the |our |using )?(?:old )?"
            r"(?:paper|clipboards?|spreadsheets?|excel|pen and paper|whiteboards?|manual \w+)",
            r"(?:by hand|manually|on paper) again",
            r"(?:just|simply) sits there|gathering dust|sits unused",
            r"(?:only|barely|just|maybe) (?:\d+|a handful|a few|one|two|three|four|five|six|seven|"
            r"eight|nine|ten|forty|\w+ty)(?: people| users| of them)? (?:have )?(?:logged in|opened it|"
            r"used it|are active|log in)",
        ),
        "negative_feedback": (
            r"(?:third|fourth|fifth|sixth) time (?:this (?:quarter|month|week|year)|in a row)",
            r"\b(?:third|fourth|fifth) (?!(?:qbr|meeting|call|review|session|check-in|demo|workshop|"
            r"training|invitation|invite)s?\b)\w+ in a row\b",
            r"(?:wrong|broken|fails?|failing|crash\w*) every (?:other |single )?(?:month|week|day|time)",
            r"patience is (?:wearing thin|running out)|losing (?:our |my )?patience|losing it\b",
        ),
        "engagement_drop": (
            r"thanks,? but no thanks",
            r"(?:declined|turned down|passed on|said no to) (?:the |our |an? )?(?:invitation|invite|"
            r"beta|early[- ]access|pilot)",
            r"(?:third|fourth|fifth) (?:reschedul\w*|postpone\w*|cancell?ation)",
            r"(?:pushed back|postponed|rescheduled|cancell?ed)\b[^.]{0,40}\b(?:third|fourth|fifth) time",
            r"(?:three|four|five|several) times, each time (?:pushed|moved|cancell?ed|postponed)",
        ),
        "stakeholder_change": (
            r"(?:was|were|been|being|got|is being) (?:bought|acquired|taken over) by",
            r"merg(?:e|es|ed|ing) with",
        ),
        "business_change": (
            r"(?:exiting|leaving|getting out of|shutting(?: down)?|closing|selling(?: off)?) (?:the |its |"
            r"their )?[\w-]+ (?:business|side|division|segment|arm|unit)\b",
            r"cutting (?:the )?[\w ]{0,20}team down to",
        ),
        "budget": (
            r"(?:spend|spending|budget)\w* (?:is |are |has been |was |were )?(?:frozen|on hold|"
            r"slashed)",
            r"(?:find|save|cut) \d+ ?% (?:savings|from|of|on)|\d+ ?% savings",
            r"(?:has|have|needs?) to come down",
            r"half the price|at half price",
            r"!can(?:'t|not) (?:keep|afford to keep) paying",
            r"hard to justify",
        ),
        "competitive": (
            r"half the price|at half price",
            r"(?:look|looking) elsewhere",
            r"(?:quoted|offering|offered) \d+ ?% (?:under|below|less than) (?:your|our)",
            r"next to what " + NAME,
        ),
    },
    "de": {
        "usage_decline": (
            r"zurück zu (?:ihren |den |unseren )?(?:alten )?(?:tabellen|excel|papier|zetteln?)",
            r"(?:zu|auf) (?:ihren |den |unseren )?(?:alten )?(?:tabellen|excel|papier)\w* zurück\w*",
            r"liegt (?:einfach )?brach",
            r"wieder (?:von hand|per hand|manuell|auf papier|in excel)",
        ),
        "negative_feedback": (
            r"(?:zum )?(?:dritten|vierten|fünften) mal (?:in diese\w* (?:quartal|monat|woche|jahr)|"
            r"in folge|hintereinander)",
            r"geduld (?:ist|geht)\b[^.]{0,20}\b(?:ende|aus)",
            r"jeden zweiten (?:monat|tag|woche)\b[^.]{0,20}\bfalsch|falsch\b[^.]{0,20}\bjeden zweiten",
        ),
        "engagement_drop": (
            r"(?:dritten|vierten|fünften) mal\b[^.]{0,60}\b(?:verschoben|abgesagt|vertagt)",
            r"!meldet sich (?:seit \w+ )?nicht mehr",
            r"!kam\b[^.]{0,30}\bniemand",
            r"!ohne antwort",
        ),
        "stakeholder_change": (
            r"(?:wurde|wird|werden|wurden)\b[^.]{0,50}\b(?:übernommen|gekauft|aufgekauft)",
            r"fusioniert mit|fusion mit",
        ),
        "business_change": (
            r"verkauft (?:sein|ihr|das|den|die) \w*(?:segment|geschäft|sparte|bereich)",
            r"verkleinert (?:das|den|die) \w*(?:team|abteilung)",
        ),
        "budget": (
            r"(?:ausgaben|budget|haushalt|posten)\w*\b[^.]{0,40}\b(?:eingefroren|gestrichen|"
            r"zusammengestrichen)",
            r"haushaltssperre",
            r"schwer zu rechtfertigen",
            r"halben preis",
            r"!(?:nicht mehr|kaum noch) (?:so viel )?(?:\w+ )?(?:bezahlen|leisten)",
        ),
        "competitive": (
            r"halben preis",
            r"(?:bei|von) einem anderen \w*anbieter",
            r"anderweitig umsehen",
            r"wie bei " + NAME,
        ),
    },
    "id": {
        "usage_decline": (
            r"(?:kembali|balik)(?: lagi)? (?:ke|pakai|memakai|menulis di) (?:spreadsheet|excel|kertas|"
            r"buku catatan|buku|cara lama)",
            r"(?:cuma|hanya) menganggur|nganggur",
            r"(?:paling|hanya|cuma) (?:cuma )?\w+ (?:yang|orang yang) (?:buka|login|memakai|pakai)",
        ),
        "negative_feedback": (
            r"(?:ketiga|keempat|kelima)(?: kali)?(?:nya)? (?:kuartal|bulan|minggu) ini|"
            r"(?:tiga|empat|lima) kali (?:kuartal|bulan|minggu) ini",
            r"sudah (?:yang )?(?:ketiga|keempat|kelima) kali",
            r"kesabaran (?:saya|kami) (?:mulai|sudah) habis",
            r"salah terus",
        ),
        "engagement_drop": (
            r"(?:diundur|ditunda|dibatalkan)\b[^.]{0,30}\b(?:ketiga|keempat|kelima) kal\w*",
        ),
        "stakeholder_change": (
            r"dibeli oleh|diakuisisi|diambil alih",
            r"(?:merger|digabung) dengan",
        ),
        "business_change": (
            r"memangkas tim\b",
            r"menutup (?:bisnis|usaha|divisi|\d+ cabang)",
        ),
        "budget": (
            r"(?:belanja|anggaran|biaya)\w*\b[^.]{0,30}\b(?:dibekukan|dipotong|dipangkas)",
            r"sulit dipertahankan",
            r"harga separuh|setengah harga",
            r"!tidak sanggup (?:lagi )?membayar",
            r"balik modal",
        ),
        "competitive": (
            r"harga separuh|setengah harga",
            r"penyedia baru|vendor lain",
            r"kayak di " + NAME,
        ),
    },
    "ms": {
        "usage_decline": (
            r"(?:kembali|balik)(?: semula)? (?:kepada|ke|guna|menggunakan) (?:hamparan|excel|kertas|"
            r"buku nota|borang kertas|cara lama)",
            r"terbiar",
            r"(?:hanya|cuma) \w+ (?:yang|orang yang) (?:aktif|buka|log masuk|guna)",
        ),
        "negative_feedback": (
            r"kali (?:ketiga|keempat|kelima) (?:suku tahun|bulan|minggu|semester) ini",
            r"kesabaran (?:saya|kami) (?:semakin )?(?:menipis|habis)",
            r"salah setiap",
        ),
        "engagement_drop": (
            r"(?:ditunda|ditangguhkan|dibatalkan)\b[^.]{0,30}\b(?:ketiga|keempat|kelima)|kali (?:ketiga|"
            r"keempat|kelima)\b[^.]{0,40}\b(?:ditunda|ditangguhkan|dibatalkan)",
        ),
        "stakeholder_change": (
            r"dibeli oleh|diambil alih",
            r"bergabung dengan (?:pesaing\w*|syarikat|kumpulan)",
            r"notis (?:berhenti|letak jawatan)",
        ),
        "business_change": (
            r"menutup (?:perniagaan|\d+ (?:daripada \d+ )?cawangan)",
            r"bergabung dengan pesaing",
        ),
        "budget": (
            r"(?:perbelanjaan|bajet|belanjawan|kos)\w*\b[^.]{0,30}\b(?:dibekukan|dipotong)",
            r"sukar dipertahankan",
            r"separuh harga",
            r"!tidak mampu (?:lagi )?membayar",
            r"pulang modal",
        ),
        "competitive": (
            r"separuh harga",
            r"produk syarikat lain",
        ),
    },
}
for _lang, _kinds in _MORE.items():
    for _kind, _entries in _kinds.items():
        LEXICON[_lang][_kind] = LEXICON[_lang][_kind] + _entries

# Words that tell the languages apart (language identification, per text).
STOPWORDS = {
    "en": (
        "the and is are we they to of a in for with our it not this that have has was be on at "
        "you will can do does what how been more about their them there were would should "
        "could very too than but if so no just only again still"
    ),
    "de": (
        "der die das und ist sind wir sie nicht mit zu ein eine den dem des für auf von es auch "
        "noch wie was uns unser unsere haben hat wird werden kein keine im am bei sich ich aber "
        "oder zum zur dass nach schon mehr sehr ihr ihre wieder immer nur gibt können müssen"
    ),
    "malay": (
        "yang dan di ke dari kami ini itu dengan untuk tidak ada akan pada juga sudah saya apalagi "
        "tahun depan bulan minggu hari harga ketat lalu baru sama jadi sedang "
        "mereka kita atau dalam lagi belum sangat terlalu semua masih ia adalah oleh bagi "
        "telah lebih hanya tetapi sejak setelah jika kalau bila agar supaya "
        "anda apakah apa perlu bagaimana mengapa"
    ),
    "id": (
        "bisa karena saja anggaran biaya rapat bilang gimana nggak gak enggak ngga sih dong banget "
        "mau dipakai memakai telepon dukungan karyawan mohon silakan yg kemarin perusahaan tapi "
        "kantor jadwal kalian aja udah kayak lho kok kasih hitungan bu wa setelah sesudah kuartal "
        "kirim dikirim kerjasama kenapa gini gitu begini begitu pengin ingin bikin lumayan "
        "juli agustus desember maret"
    ),
    "ms": (
        "boleh tak tiada kerana sahaja baharu pasukan syarikat kos bajet mesyuarat kata nak "
        "sebab kat dah semalam lepas sokongan kenalan ahli pengurus kewangan sila penyegerakan "
        "pepijat ralat guna perlahan amat mahu hendak awak maklum balas kini jabatan berbanding "
        "ciri menyertai memandangkan belanjawan sedia kakitangan daripada kepada sahkan berjaya "
        "haribulan pentadbir wujudkan hamparan adakah menyokong suku separuh jumpa selepas macam "
        "ni berpatutan teruskan disemak semak puji lembaga perbincangan puan encik terbiar "
        "tandatangan hantar dihantar bila dipindahkan sesiapa bahagian pejabat cawangan ramai "
        "julai ogos disember mac"
    ),
}

# A sentence that matches a veto gives no signal of that kind: savings our product
# brought are value, not budget pressure ("helped us cut costs", "Berkat otomatisasi
# ini, kami bisa memangkas biaya"); a comparison that ended with us is not a threat
# ("we compared three vendors and chose you").
# Moving data into our platform, and giving up the old way of working, are adoption.
_INTO_US = (
    r"(?:to|into|in|zu|auf) (?:your|ihre?|eure?) (?:platform|plattform|system|tool|product|produkt)"
    r"|(?:ke|kepada|dalam) (?:platform|sistem|alat|aplikasi|produk) (?:anda|kalian|kamu|awak)"
)
_OLD_WAY = (
    r"(?:stopped|no longer|quit|nicht mehr|aufgehört|berhenti|tidak lagi|tak lagi|dah tak)\b"
    r"[^.]{0,20}\b(?:excel|spreadsheets?|manual\w*|tabellen|papier|cara lama|fail excel)"
)

# Trouble that is over (issue 18): a problem fixed and not back, usage that dipped as
# every year and recovered, support that "used to be slow": the words of a complaint, a
# decline or silence, and the news that it ended. Per language, for SIG-2, SIG-3 and SIG-7.
_OVER = {
    "en": (
        r"^(?![^.]*\b(?:again|back again|once more)\b)[^.]*?"
        r"\b(?:has been|have been|had been|was|were|is|are|got|now|since been|all|been) (?:now |"
        r"fully |quickly |finally )?(?:fixed|resolved|sorted(?: out)?|solved)\b(?![^.]{0,40}\b(?:again|but|yet|until)\b)",
        r"\b(?:fixed|resolved|solved) (?:it|them|the \w+)\b[^.]{0,60}\b(?:on time|since|now)\b",
        r"\bno (?:issues|problems|complaints|incidents|errors|outages) since\b",
        r"\b(?:has|have|had)(?: not|n't) (?:recurred|happened again|come back|returned)\b|\bnot recurred\b",
        r"\bback (?:to|at|above|over) (?:normal|(?:its|their|the|our) (?:normal|usual)|\d+ ?%)",
        r"\bas (?:it does |they do |we see |happens )?(?:every|each) year\b|\bas usual\b|\bseasonal (?:dip|drop|low)",
        r"\bused to be (?:\w+ )?(?:slow|bad|painful|buggy|clunky|unreliable|awful|hard|difficult)\b"
        r"[^.]{0,60}\b(?:but|now|these days)\b|\bwas painful\b[^.]{0,40}\bbut\b",
        r"\bstopped complaining\b",
        r"\b(?:attendance|logins?|usage|adoption|participation)\b[^.]{0,40}\b(?:doubled|tripled|"
        r"(?:went|has gone|is) up|rose|risen|increased|grew|climbed)\b",
    ),
    "de": (
        r"^(?![^.]*\b(?:schon wieder|erneut|wieder aufgetreten|wieder da)\b)[^.]*?"
        r"\b(?:ist|sind|wurde|wurden|inzwischen|längst|schnell|vollständig) (?:\w+ )?(?:behoben|"
        r"gelöst|erledigt|repariert|geklärt)\b(?![^.]{0,40}\b(?:wieder|aber|doch)\b)",
        r"\bnicht mehr (?:aufgetreten|vorgekommen|passiert)\b|\bseitdem keine (?:probleme|fehler|beschwerden|ausfälle)\b",
        r"\bwieder (?:auf|über|bei) (?:dem |das )?(?:normal\w*|vorjahr\w*|übliche\w*|\d+ ?%)",
        r"\bwie (?:jedes|in jedem) jahr\b|\bwie üblich\b|\bwie immer\b|\bsaisonal\w*",
        r"\b(?:früher|anfangs)\b[^.]{0,30}\b(?:langsam|holprig|schwierig|mühsam|fehlerhaft|schlecht)\b"
        r"[^.]{0,60}\b(?:aber|inzwischen|jetzt|heute|mittlerweile)\b",
        r"\baufgehört\b[^.]{0,30}\bbeschweren",
        r"\b(?:teilnahme|anmeldungen|logins?|nutzung)\b[^.]{0,40}\b(?:verdoppelt|gestiegen|gewachsen|zugenommen)\b"
        r"|\bgut besucht\b",
    ),
    "id": (
        r"^(?![^.]*(?<!tidak )(?<!tak )\b(?:muncul|terjadi|kambuh|error) lagi\b)(?![^.]*\blagi-lagi\b)[^.]*?"
        r"(?<!kata )(?<!katanya )(?<!bilang )\b(?:sudah|telah|udah) (?:beres|selesai|teratasi|diperbaiki|ditangani|normal|pulih)\b"
        r"|\b(?:sudah|telah) (?:kembali )?normal\b",
        r"\btidak (?:muncul|terjadi|kambuh) lagi\b|\bnormal lagi\b|\bkembali normal\b",
        r"\bseperti biasa\b|\bseperti (?:setiap|tiap) tahun\b",
        r"\b(?:dulu|awalnya)\b[^.]{0,30}\b(?:lambat|ribet|sulit|susah|lemot|sering error)\b"
        r"[^.]{0,60}\b(?:tapi|tetapi|sekarang|kini)\b",
        r"\b(?:peserta\w*|kehadiran|pemakaian|login)\b[^.]{0,40}\b(?:naik|meningkat) (?:dua|tiga|drastis)",
    ),
    "ms": (
        r"^(?![^.]*(?<!tidak )(?<!tak )\b(?:muncul|berlaku|rosak|ralat) lagi\b)(?![^.]*\blagi-lagi\b)[^.]*?"
        r"(?<!kata )(?<!katanya )\b(?:sudah|telah|dah) (?:selesai|diselesaikan|dibaiki|ditangani|pulih|normal|okay|ok)\b",
        r"\btiada (?:aduan|masalah) sejak\b|\btidak berlaku lagi\b|\bkembali normal\b|\bpulih sepenuhnya\b",
        r"\bseperti biasa\b|\bseperti setiap tahun\b",
        r"\b(?:dulu|dahulu|pada mulanya)\b[^.]{0,30}\b(?:lambat|leceh|sukar|susah|perlahan|selalu ralat)\b"
        r"[^.]{0,60}\b(?:tapi|tetapi|sekarang|kini)\b",
        r"\b(?:kehadiran|penggunaan|log masuk)\b[^.]{0,40}\b(?:meningkat|naik) (?:dua|tiga)",
    ),
}
# A contact who stays (issue 18): promoted or on leave, with someone covering, or back.
_STAYS = {
    "en": (
        r"\b(?:stay|stays|remain|remains|is still|will still|keeps? being|continues? as)\b[^.]{0,30}"
        r"\b(?:contact|sponsor|champion|lead|owner|point of contact)\b",
        r"\b(?:insisted on |will )?keep(?:s|ing)? (?:the |our )?(?:weekly |monthly )?(?:check-in|review|call)s?\b",
        r"\b(?:holiday|leave|vacation)\b[^.]{0,80}\b(?:covering|covers|stands in|deputy|colleague)\b",
        r"\bcame back\b[^.]{0,60}\b(?:running|leading|owns?|in charge)\b|\bunchanged\b",
    ),
    "de": (
        r"\bbleibt\b[^.]{0,40}(?:ansprechpartner\w*|kontakt\w*|sponsor\w*|zuständig)",
        r"\b(?:vertritt|vertreten|vertretung|stellvertret\w*)\b",
    ),
    "id": (
        r"\btetap (?:jadi |menjadi |pegang |memegang )?(?:PIC|kontak|penanggung jawab|proyek)",
        r"\b(?:cuti|libur)\b[^.]{0,80}\b(?:menggantikan|wakil\w*|pengganti\w* (?:sudah|ikut))\b",
    ),
    "ms": (
        r"\b(?:masih|kekal|tetap)\b[^.]{0,30}\b(?:urus\w*|kontak|hubungan|penaja|ketua projek)\b",
        r"\b(?:cuti|bercuti)\b[^.]{0,80}\b(?:menggantikan|timbalan\w*)\b",
    ),
}
# A budget that went through (issue 18): approved, signed, or savings we brought.
_APPROVED = {
    "en": (
        r"^(?![^.]*\b(?:before|until|unless|once|if)\b)[^.]*?"
        r"\b(?:approved|signed(?: off)?|went through|were fine|is fine)\b[^.]{0,50}\b(?:renewal|budget|contract|deal|quote|it)\b"
        r"(?![^.]{0,30}\b(?:only|half|but)\b)",
        r"^(?![^.]*\b(?:before|until|unless|once|if)\b)[^.]*?"
        r"\b(?:renewal|budget|contract|quote|order form|deal)s?\b[^.]{0,50}\b(?:approved|signed|went through|without questions)\b"
        r"(?![^.]{0,30}\b(?:only|half|but)\b)",
        r"\bsince (?:rolling out|using|introducing|we (?:started|rolled out|introduced))\b[^.]{0,60}"
        r"\b(?:cut|saved|reduced|lowered)\b",
    ),
    "de": (
        r"\b(?:hat|haben|hatte|wurde|wurden|ist|sind)\b[^.]{0,60}\b(?:genehmigt|freigegeben|unterschrieben|"
        r"bewilligt|unterzeichnet)\b(?![^.]{0,30}\b(?:nur|halb|aber)\b)",
    ),
    "id": (
        r"\blolos tanpa\b|\b(?:sudah|telah|udah|langsung|akhirnya)\s+(?:\w+\s+)?(?:disetujui|menyetujui|menandatangani\w*|"
        r"tanda tangan|ditandatangani)\b(?![^.]{0,30}\b(?:hanya|separuh|tapi)\b)",
    ),
    "ms": (
        r"\blulus tanpa\b|\b(?:sudah|telah|dah|akhirnya)\s+(?:\w+\s+)?(?:diluluskan|meluluskan|menandatangani\w*|tandatangan|"
        r"ditandatangani)\b|\bmenyokong pembaharuan\b"
        r"(?![^.]{0,30}\b(?:hanya|separuh|tapi|tetapi)\b)",
    ),
}
# A rival that is no rival of ours (issue 18): the customer's own competitor, a merger
# partner (a stakeholder change, not a comparison), or a tender we won.
_NOT_OUR_RIVAL = {
    "en": (
        r"\b(?:a|one|another) (?:competitor|rival) of (?:ours|theirs)\b|\b(?:our|their) (?:own )?competitors? (?:asked|told|said)",
        r"\bmerg\w* with (?:a |an |the |their )?(?:\w+ )?(?:rival|competitor)",
        r"\bcompared (?:us|you) (?:with|to|against)\b[^.]{0,60}\b(?:highest|best|top|ahead|first)\b",
        r"\b(?:told|tell) (?:him|her|them) (?:that )?they(?:'re| are) happy\b",
    ),
    "de": (
        r"\bwettbewerber von (?:uns|ihnen)\b|\bkonkurrent\w* von (?:uns|ihnen)\b",
        r"\b(?:fusioniert|fusion|zusammengelegt|zusammenschluss)\b[^.]{0,30}\b(?:wettbewerber|konkurrent)",
        r"\b(?:lagen|liegen) wir\b[^.]{0,40}\bvorne\b|\bklar vorne\b",
        r"\bzu einem (?:wettbewerber|konkurrenten) (?:ihres|seines|des) (?:arbeitgebers|unternehmens)\b",
    ),
    "id": (
        r"\b(?:salah satu |seorang )?pesaing (?:kami|mereka) (?:bertanya|tanya|menanyakan)\b",
        r"\b(?:merger|bergabung|gabung)\b[^.]{0,20}\bpesaing",
        r"\bnilai kita (?:paling )?tinggi\b|\bkita (?:yang )?(?:unggul|menang)\b",
    ),
    "ms": (
        r"\b(?:salah satu |seorang )?pesaing (?:kami|mereka) (?:bertanya|tanya)\b",
        r"\bbergabung dengan pesaing",
        r"\bmarkah kita (?:paling )?tinggi\b|\bkita dipilih semula\b|\btiada rancangan untuk tukar\b",
    ),
}


def _with(kinds: dict[str, tuple[str, ...]], lang: str) -> dict[str, tuple[str, ...]]:
    """The language's own vetoes plus trouble that is over, contacts who stay, budgets that
    went through and rivals that are not ours (issue 18)."""
    out = dict(kinds)
    for kind in ("negative_feedback", "usage_decline", "engagement_drop"):
        out[kind] = out.get(kind, ()) + _OVER[lang]
    out["stakeholder_change"] = out.get("stakeholder_change", ()) + _STAYS[lang]
    out["budget"] = out.get("budget", ()) + _APPROVED[lang]
    out["competitive"] = out.get("competitive", ()) + _NOT_OUR_RIVAL[lang]
    return out


_VETOES_OWN: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "budget": (
            r"(?:help(?:ed|s|ing)?|allow(?:ed|s)?|enabl(?:ed|es)|let(?:s)?) (?:us|them|the \w+|our"
            r" \w+|their \w+) (?:to )?(?:cut|reduce|lower|save|trim|slash)",
            r"thanks to (?:you|your|the tool|the platform|renewals)",
            r"price (?:increase|rise)\b[^.]{0,40}\b(?:accepted|fine|fair|reasonable|signed|approved)",
            r"\b(?:accepted|agreed to|signed off on|approved)\b[^.]{0,30}\bprice (?:increase|rise)",
        ),
        "competitive": (
            r"(?:chose|picked|selected|went with|decided (?:on|for)|stay(?:ed|ing)? with|sticking "
            r"with|renewed with|came back to|returned to) (?:you|your \w+|us)\b",
            # the comparison ended with us, in the CSM's voice (issue 18): "we came out on top"
            r"\b(?:we|you) (?:came out (?:on top|ahead|best)|won (?:the|that) (?:comparison|bake-off|evaluation))",
            r"\b(?:were|was) (?:chosen|picked|selected) over\b",
            # a comparison we won (issue 18): "they compared us favourably with two vendors"
            r"\bcompar\w* (?:us|you) (?:very )?favou?rably\b|\bfavou?rable comparison\b",
            _INTO_US,
            r"export\w*\b[^.]{0,30}\b(?:times? out|timed out|timing out|fails?|failed|failing|errors?|broken|hangs?|crash\w*)",
            r"export\w*\b[^.]{0,40}\b(?:works|is working|is fixed|runs|ran)\b(?! not)",
        ),
        "negative_feedback": (
            r"complaints?\b[^.]{0,30}\b(?:is|was|has been|are|were|have been|got) (?:now |all |fully "
            r")?(?:resolved|fixed|closed|sorted|addressed)",
        ),
        "usage_decline": (_OLD_WAY,),
    },
    "de": {
        "budget": (
            r"(?:dank|mit hilfe|geholfen|hilft uns|ermöglicht)\b[^.]{0,60}\b(?:kosten|spar)",
            r"preis\w*\b[^.]{0,40}\b(?:nachvollziehbar|akzeptiert|fair|in ordnung|unterschrieben)",
        ),
        "competitive": (
            r"(?:für euch|für sie|für uns) entschieden|(?:bleiben|bleibt|geblieben) bei (?:euch|ihnen|uns)"
            r"|zu (?:uns|euch|ihnen) zurück(?:gekommen|gekehrt|gewechselt)?\b",
            r"\b(?:wir|sie) (?:haben|hat) (?:klar |deutlich )?(?:gewonnen|am besten abgeschnitten)",
            _INTO_US,
            r"export\w*\b[^.]{0,40}\b(?:bricht|abbruch|timeout|fehler\w*|hängt|schlägt fehl|abgebrochen)",
            r"export\w*\b[^.]{0,40}\b(?:klappt|funktioniert|läuft)\b(?! nicht)",
        ),
        "negative_feedback": (
            r"(?:beschwerde|reklamation)\w*\b[^.]{0,40}\b(?:ist|wurde|sind|wurden) (?:inzwischen |"
            r"jetzt |längst |vollständig )?(?:erledigt|behoben|gelöst|geklärt)",
        ),
        "usage_decline": (_OLD_WAY,),
    },
    "id": {
        "budget": (
            r"\b(?:berkat|bantu|membantu)\b[^.]{0,50}\b(?:hemat|menghemat|pangkas|memangkas|kurangi|"
            r"mengurangi|potong|memotong)|sehingga kami bisa|bisa menghemat",
        ),
        "competitive": (
            r"(?:pilih|memilih|tetap (?:pakai|dengan)|bertahan dengan|kembali ke) (?:kalian|anda|kamu|kita)\b",
            r"\bkita yang menang\b",
            _INTO_US,
            r"(?:ekspor|export)\w*\b[^.]{0,30}\b(?:timeout|gagal|error|lambat|macet)",
            r"ekspor\w*\b[^.]{0,30}\b(?:sudah|udah) (?:jalan|berjalan|berfungsi|bisa|lancar)",
        ),
        "negative_feedback": (
            r"(?:keluhan|komplain)\b[^.]{0,30}\b(?:sudah|telah) (?:selesai|beres|teratasi|"
            r"diperbaiki|ditangani)",
        ),
        "usage_decline": (_OLD_WAY,),
    },
    "ms": {
        "budget": (
            r"\b(?:berkat|bantu|membantu|membolehkan)\b[^.]{0,30}\b(?:jimat|menjimatkan|potong|"
            r"memotong|kurangkan|mengurangkan)|hasil daripada",
        ),
        "competitive": (
            r"(?:pilih|memilih|kekal dengan|tetap dengan|kembali kepada) (?:anda|kalian|awak|kamu|korang|kau|kita)\b",
            r"\bkita yang menang\b",
            _INTO_US,
            r"(?:eksport|export)\w*\b[^.]{0,30}\b(?:tamat masa|gagal|ralat|perlahan|tergendala)",
            r"eksport\w*\b[^.]{0,30}\b(?:sudah|dah) (?:berfungsi|boleh|okay|lancar)",
        ),
        "negative_feedback": (
            r"(?:aduan|komplen)\b[^.]{0,30}\b(?:sudah|telah|dah) (?:selesai|diselesaikan|dibaiki|"
            r"ditangani)",
        ),
        "usage_decline": (_OLD_WAY,),
    },
}

VETOES: dict[str, dict[str, tuple[str, ...]]] = {
    lang: _with(kinds, lang) for lang, kinds in _VETOES_OWN.items()
}
