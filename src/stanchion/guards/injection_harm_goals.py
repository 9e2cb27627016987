# ruff: noqa: E501  (one pattern per line, readable side by side)
"""Harmful goals by hazard category, for :mod:`stanchion.guards.injection_harm`'s lexicon.

Written from public hazard taxonomies (the kinds of MLCommons' AI safety hazards and of the
usage policies of model vendors: violent and non-violent crime, weapons of mass harm, cyber
intrusion, fraud, hate, harassment, privacy, sexual content with minors, self-harm, election
integrity, defamation), in our own words, as what a request makes happen: an operational
capability ("rig an election", "track someone's phone without them knowing"), never a topic
("the history of election fraud" names no act and no maker). Every term opens with a literal
word, its needle, so the lexicon costs look-ups on texts without one::

    GOAL_TERMS[0]   # 'improvised explosive devices?'
"""

from __future__ import annotations

# Someone who has not agreed: privacy and stalking harms turn on it ("track my own phone").
_UNAWARE = r"without (?:(?:their|his|her|the (?:\w+ )?(?:owner|user|person|victim)'?s?) )?(?:knowledge|knowing|consent|permission|noticing|being detected|getting caught)"

_BIASES = (
    "racist",
    "sexist",
    "homophobic",
    "transphobic",
    "antisemitic",
    "islamophobic",
    "misogynistic",
    "bigoted",
    "hateful",
    "discriminatory",
)
_WRITING = r"(?:content|jokes?|letters?|posts?|articles?|essays?|speech(?:es)?|messages?|slogans?|propaganda|manifestos?|tweets?|rants?|notes?|remarks|arguments?)"

GOAL_TERMS: tuple[str, ...] = (
    # Weapons and mass harm.
    *(f"{verb}\\w* (?:\\S+ ){{0,3}}(?:power grids?|water (?:supply|supplies|treatment)|critical infrastructure|air traffic control)" for verb in ("attack", "sabotag", "disabl", "disrupt", "knock\\w* out", "take down", "shut\\w* down")),
    "arson\\w*",
    "improvised explosive devices?", "molotov cocktails?", "napalm", "thermite bombs?", "detonators?",
    "dirty bombs?", "nerve gas", "mustard gas", "chlorine gas (?:attack|bomb)s?", "weaponi[sz]\\w*",
    *(f"{p}\\w* (?:a |an )?(?:gun|firearm|weapon)s?" for p in ("3d-print", "3d print")), "full-auto conversion", "full auto conversion",
    "untraceable (?:ammunition|bullets)", "illegal(?:ly)? (?:obtain|buy|acquire|purchase)\\w* (?:a |an )?(?:gun|firearm|weapon)s?",
    # Cyber intrusion.
    "hijack\\w* (?:\\S+ ){0,3}(?:cars?|vehicles?|planes?|aircraft|drones?|accounts?|sessions?|routers?|servers?)",
    "zero-day exploits?", "rootkits?", "spyware", "trojans?", "reverse shells?", "sql injection attacks?",
    "crack\\w* (?:\\w+ ){0,2}passwords?", "brute-?forc\\w* (?:\\w+ ){0,2}(?:passwords?|logins?|accounts?)",
    "bypass\\w* (?:\\w+ ){0,2}(?:authentication|two-factor|2fa|antivirus|drm|paywalls?|licen[cs]e checks?)",
    "disabl\\w* (?:\\w+ ){0,2}(?:antivirus|security cameras?|alarm systems?)", "cryptojack\\w*", "credential stuffing",
    "exfiltrat\\w*", "infiltrat\\w* (?:\\S+ ){0,3}(?:networks?|systems?|servers?|databases?|accounts?|infrastructure)",
    "tamper\\w* with (?:\\S+ ){0,3}(?:machines?|devices?|meters?|records?|food|medications?|medicine|products?|brakes|evidence)",
    "cheating (?:software|tools?|apps?|devices?|programs?)", "break into (?:\\w+ ){0,2}(?:accounts?|networks?|systems?|databases?|servers?|email)",
    # Crime against property and persons; evading the law.
    "brib(?:e|es|ed|ing) (?:a |an |the )?(?:\\w+ ){0,2}(?:officials?|judges?|police|officers?|inspectors?|politicians?|customs|admissions?|university|clerks?|jur(?:y|ors?)|witness\\w*)",
    "hid(?:e|ing) (?:\\w+ ){0,2}(?:income|money|assets|earnings|profits|revenue) from (?:the )?(?:tax|irs|government|authorities|creditors)",
    "dump\\w* (?:\\w+ ){0,2}(?:hazardous|toxic|medical|chemical|nuclear|radioactive) (?:\\w+ )?(?:waste|chemicals|materials)",
    "overstay\\w* (?:a |my |your |the |their )?visas?", "vigilante (?:justice|attacks?|violence|killings?)",
    *(f"{verb}\\w* (?:\\w+ ){{0,3}}on the black market" for verb in ("buy", "sell", "bought", "sold", "traffick")),
    "smuggl\\w* (?:\\w+ ){0,3}(?:contraband|weapons?|guns?|firearms?|migrants|people|into (?:a |the )?prison)",
    *(f"{verb}\\w* (?:\\S+ ){{0,3}}(?:emissions?|smog|drug|breathalyz\\w*|breathalys\\w*) tests?" for verb in ("cheat", "fool", "trick", "defeat")),
    "evad\\w* (?:the )?(?:police|law enforcement|authorities|detection by)", *(f"avoid {how} (?:caught|arrested|detected) (?:by|when|while)" for how in ("getting", "being")),
    "dispos\\w* of (?:a |the )?(?:dead )?bod(?:y|ies)", *(f"{verb} (?:a |the )?(?:dead )?bod(?:y|ies)" for verb in ("hide", "hiding")), "destroy\\w* (?:the )?evidence",
    "shoplift\\w*", *(f"{verb} (?:\\w+ )?(?:bank|store|shop|house|home|gas station|armou?red truck|casino|pharmacy)s?" for verb in ("rob a", "rob an", "rob the", "robbing a", "robbing an", "robbing the")),
    "hotwir\\w*",     "break into (?:\\w+ ){0,2}(?:a |an |the |someone's )?(?:house|home|car|apartment|store|building)",
    "steal (?:a |an |the |someone's )?(?:car|bike|package|wallet|identity)", "embezzl\\w*", "insurance fraud", "tax fraud",
    "identity theft", "skimm(?:er|ers|ing) (?:devices?|cards?)", "pickpocket\\w*", "set fire to (?:a |an |the |someone's )?(?:house|home|car|building)",
    # Fraud, scams, deception of consumers and institutions.
    "scam\\w*", "con artists?", "impersonat\\w* (?:a |an |the )?(?:\\w+ ){0,2}(?:officer|official|agent|bank|irs|police|doctor|government)",
    "fake (?:\\w+ ){0,2}(?:reviews?|ratings?|invoices?|receipts?|diplomas?|degrees?|passports?|prescriptions?|identit(?:y|ies)|charit(?:y|ies))",
    "manipulat\\w* (?:\\w+ ){0,2}(?:stock prices?|the market|ratings|reviews)", "pump and dump", "insider trading",
    "counterfeit\\w*", "fabricat\\w* (?:\\w+ ){0,2}(?:reviews?|ratings?|testimonials?|evidence|quotes?|documents?|records?|results|data|stor(?:y|ies))",
    "astroturf\\w*", "forg(?:e|ed|ing) (?:\\w+ ){0,2}(?:passports?|ids?|licen[cs]es?|certificates?|diplomas?|currency|money|wills?)",
    # Drugs.
    "encourag\\w* (?:\\w+ ){0,3}(?:people|users|readers|teens?|teenagers?|children|kids|minors|students|others|followers) to (?:\\w+ ){0,2}(?:drink and drive|self-harm|harm themselves|starve|use drugs|try drugs|vape|try vaping|smoke|binge|skip (?:their )?medications?)",
    "illicit(?:ly)? (?:\\w+ ){0,2}(?:drugs?|substances?)", "recreational (?:use|dose|dosage)s?",
    *(f"{drug} without (?:a )?prescription" for drug in ("opioids?", "oxycodone", "xanax", "adderall")),
    "extract\\w* (?:\\w+ ){0,2}(?:dmt|morphine|codeine|ephedrine|pseudoephedrine)",
    # Self-harm and eating disorders.
    "suicide methods?", "ways to die", *(f"{verb} {who} (?:own )?life" for verb in ("end", "take") for who in ("my", "your", "one's")), *(f"cut {who}" for who in ("myself", "yourself", "oneself")),
    "starv\\w* (?:myself|yourself|oneself)", "pro-ana", "lethal dos(?:e|es|age)", "overdos\\w* on",
    # Hate and harassment.
    "body-?sham\\w*", "fat-?sham\\w*", "indoctrinat\\w* (?:\\w+ ){0,3}into (?:a |the )?(?:cult|sect|extremis\\w*)",
    *(f"{verb}\\w* (?:a |an |the |my |someone's |their )?(?:\\w+ )?(?:animals?|pets?|dogs?|cats?|horses?|puppies|kittens)" for verb in ("tortur", "abus", "poison", "mutilat")),
    "deepfake (?:\\w+ ){0,2}(?:videos?|images?|photos?|porn\\w*|nudes?|audio)", *(f"{verb}\\w* (?:\\w+ ){{0,3}}(?:to have|into having) (?:unprotected )?sex" for verb in ("convinc", "pressur", "persuad", "coerc")),
    "inferior (?:race|races|people|gender|religion)s?", "racially inferior", "subhuman", "ethnic cleansing",
    *(f"{bias} (?:\\w+ ){{0,2}}{_WRITING}" for bias in _BIASES),
    "discriminat\\w* against", "harass\\w* (?:\\w+ ){0,2}(?:online|coworkers?|colleagues?|classmates?|women|them|her|him|someone|people)",
    "bull(?:y|ies|ying|ied) (?:\\w+ ){0,2}(?:online|classmates?|coworkers?|someone|a child|a kid|a student)",
    "threatening (?:letters?|messages?|notes?|emails?|texts?)", "intimidat\\w* (?:\\w+ ){0,2}(?:witness|voters?|jurors?)",
    "defamatory", "defam\\w* (?:a |an |the )?(?:\\w+ ){0,2}(?:person|politician|company|ceo|celebrity|president|candidate)", "libel\\w*",
    "humiliat\\w* (?:a |an |the |my |your )?(?:\\w+ ){0,2}(?:coworker|colleague|classmate|student|person|partner|employee)",
    # Privacy and stalking.
    *(f"{verb}\\w* (?:\\S+ ){{0,4}}{_UNAWARE}" for verb in ("track", "monitor", "spy on", "locate")), "hidden cameras?",
    "personal information of (?:a |an |the )?(?:\\w+ ){0,2}(?:person|stranger|celebrity|employee|user)s?",
    # Sexual exploitation.
    "underage (?:\\w+ ){0,2}(?:sex\\w*|nude\\w*|explicit|erotic\\w*|porn\\w*)", "sexual (?:\\w+ ){0,2}(?:with|involving|of) (?:a )?(?:minors?|children|child|teens?|teenagers?|students?)",
    "sexuali[sz]\\w* (?:\\w+ ){0,2}(?:minors?|children|child|teens?|teenagers?)", "sextort\\w*",
    "non-consensual (?:\\w+ ){0,2}(?:images?|photos?|videos?|porn\\w*|sex\\w*)", "nonconsensual (?:\\w+ ){0,2}(?:images?|photos?|videos?|porn\\w*|sex\\w*)",
    "erotic (?:\\w+ ){0,2}(?:stor(?:y|ies)|scenes?|literature|fiction|content|writing|material)",
    *(f"{verb} as an? (?:\\d+|\\w+)-year-old" for verb in ("pose", "poses", "posing")),
    *(f"{verb}\\w* (?:\\w+ ){{0,2}}(?:public |mass |widespread )(?:panic|hysteria|chaos|unrest|fear)" for verb in ("caus", "creat", "incit", "exacerbat", "stok", "sow", "fuel", "spread")),
"graphic sex(?:ual)? scenes?",
    # Elections, public deception, defamation of groups.
    *(f"{verb} {det} (?:\\w+ )?elections?" for verb in ("rig", "rigging", "rigged") for det in ("an?", "the")), "voter (?:suppression|intimidation)", "suppress\\w* (?:the )?(?:\\w+ )?(?:vote|voters|turnout)",
    "ballot[- ]stuffing", "hack\\w* (?:\\w+ ){0,2}(?:voting|election|ballot)",
    "conspiracy theor(?:y|ies)", "fake news", "hoax", *(f"false {what} (?:that|about)" for what in ("claims?", "information", "narratives?")),
    "deceive (?:the )?(?:public|voters|people|consumers|customers|investors)", "mislead\\w* (?:the )?(?:public|voters|people|consumers|customers|investors)",
    # Academic and professional dishonesty.
    "cheat\\w* (?:on|in|at|during) (?:\\w+ ){0,2}(?:exams?|tests?|quiz(?:zes)?|assessments?)", "plagiari[sz]\\w* without",
)  # fmt: skip
