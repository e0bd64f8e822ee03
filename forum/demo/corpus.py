"""The demo forum's texts: members, titles, bodies, comments and the words that fill them.

Data only. forum.demo.plan decides which of them are used where (from a seeded random.Random);
``{slot}`` placeholders are filled from one post's Slots, so a thread's title, body and comments
agree. Nothing here touches the database.
"""

MARKER_TITLE = "Take back control of party finances"
MARKER_SECTION = "party-finances"
MARKER_AUTHOR = "olu"

SECTION_NAMES = {
    "party-finances": "Party finances",
    "campaigns": "Campaigns",
    "unions": "Unions",
    "policy": "Policy",
    "branch-life": "Branch life",
}

# Members ------------------------------------------------------------------------------------------

# username, display name, bio, branch, union (either may be None)
# fmt: off
EXTRA_MEMBERS = [
    ("aisha_k", "Aisha Khan", "Bradford. Care worker, GMB.", "Bradford East", "GMB"),
    ("tom_b", "Tom Brennan", "", None, "Unite"),
    ("siobhan", "Siobhan Murphy", "Liverpool. Tenants' union organiser.", "Liverpool Riverside", None),
    ("kwame", "Kwame Asante", "Bus driver, Unite rep.", "Birmingham Ladywood", "Unite"),
    ("jo_r", "Jo Richardson", "Branch treasurer, reluctantly.", "Norwich South", None),
    ("gareth_l", "Gareth Lloyd", "Swansea. Steelworker's son, teacher.", "Swansea West", "NEU"),
    ("priya_n", "Priya Nair", "Junior doctor. Policy nerd.", "Leicester West", None),
    ("liam_mc", "Liam McAllister", "", "Glasgow South", "RMT"),
    ("fatima_b", "Fatima Begum", "Tower Hamlets. Housing, always housing.", "Poplar and Limehouse", "Unison"),
    ("owen_t", "Owen Thomas", "Retired miner. Still going to meetings.", "Rhondda", None),
    ("hannah_g", "Hannah Greenwood", "Secondary school teacher.", "Sheffield Central", "NEU"),
    ("marek", "Marek Kowalski", "Warehouse worker, union rep, member since 2019.", None, "Usdaw"),
    ("grace_o", "Grace Obi", "Nurse. Unison steward.", "Croydon North", "Unison"),
    ("stuart_f", "Stuart Fraser", "Edinburgh. Accountant, so yes, I read the accounts.", "Edinburgh North and Leith", None),
    ("nadia_h", "Nadia Hussain", "", "Manchester Rusholme", None),
    ("pete_w", "Pete Walker", "Postie. CWU.", "Hull North", "CWU"),
    ("rhiannon", "Rhiannon Price", "Cardiff. Young members.", "Cardiff Central", None),
    ("sam_c", "Sam Clarke", "", None, None),
    ("yusuf", "Yusuf Ali", "Taxi driver and councillor's nightmare.", "Oldham West", "GMB"),
    ("kate_d", "Kate Dunn", "Branch chair. Minutes are my love language.", "York Central", None),
    ("mohamed_a", "Mohamed Abdi", "Bristol. Youth worker.", "Bristol East", "Unite"),
    ("ellie_s", "Ellie Shaw", "Student, UCU casual contracts campaign.", "Durham", "UCU"),
    ("declan", "Declan O'Neill", "", "Coventry South", "Unite"),
    ("bernadette", "Bernadette Quinn", "Member since 1983. Seen it all before.", "Wigan", None),
    ("raj_m", "Raj Mistry", "Small business owner. Yes, we exist.", "Harrow West", None),
    ("leanne", "Leanne Harper", "Shop worker. Usdaw rep.", "Stoke Central", "Usdaw"),
    ("ifeoma", "Ifeoma Eze", "Lawyer. Employment rights.", "Lewisham Deptford", None),
    ("callum", "Callum Reid", "Dundee. Climate jobs.", "Dundee West", "PCS"),
    ("joan_h", "Joan Hartley", "Retired social worker.", "Preston", "Unison"),
    ("tariq", "Tariq Mahmood", "", "Luton South", None),
    ("megan_j", "Megan Jones", "Branch secretary, Bangor.", "Bangor Aberconwy", "Unison"),
    ("andy_p", "Andy Parkinson", "Firefighter. FBU.", "Bolton North East", "FBU"),
    ("zainab", "Zainab Yusuf", "Data analyst. Will make you a spreadsheet.", "Walthamstow", None),
    ("ciaran", "Ciarán Doyle", "", None, "CWU"),
    ("helen_m", "Helen Moss", "Parish councillor, party member, bee keeper.", "Stroud", None),
    ("dev_s", "Dev Sharma", "Software developer. Trying to fix the canvassing app.", "Reading Central", None),
    ("lorna", "Lorna Campbell", "Aberdeen. Offshore to onshore.", "Aberdeen North", "Unite"),
    ("kieran_b", "Kieran Booth", "Train guard. RMT.", "Derby North", "RMT"),
    ("agnieszka", "Agnieszka Nowak", "Cleaner, organiser, mum of three.", "Southampton Test", "Unison"),
    ("frank_o", "Frank Osei", "Lecturer. UCU branch secretary.", "Nottingham East", "UCU"),
]
# fmt: on

# Slots shared by titles and bodies -----------------------------------------------------------------

BRANCHES = [
    "Leeds Central", "Bristol West", "Manchester Gorton", "Cardiff South", "Glasgow Kelvin",
    "Sheffield Hallam", "Newcastle East", "Norwich South", "Swansea West", "Hull North",
    "Stoke Central", "Brighton Kemptown", "Derby North", "Leicester West", "Plymouth Sutton",
    "Wigan", "Bolton North East", "Preston", "Dundee West", "Aberdeen North", "York Central",
    "Luton South", "Oldham West", "Coventry South", "Reading Central", "Stroud",
    "Bradford East", "Liverpool Riverside", "Walthamstow", "Nottingham East", "Durham",
    "Birmingham Ladywood", "Southampton Test", "Ipswich", "Carlisle", "Lancaster",
]  # fmt: skip
TOWNS = [
    "Leeds", "Bristol", "Manchester", "Cardiff", "Glasgow", "Sheffield", "Newcastle", "Norwich",
    "Swansea", "Hull", "Stoke", "Brighton", "Derby", "Leicester", "Plymouth", "Wigan", "Bolton",
    "Preston", "Dundee", "Aberdeen", "York", "Luton", "Oldham", "Coventry", "Reading", "Bradford",
    "Liverpool", "Nottingham", "Durham", "Birmingham", "Southampton", "Ipswich", "Carlisle",
]  # fmt: skip
UNIONS = ["Unison", "Unite", "GMB", "NEU", "CWU", "RMT", "PCS", "UCU", "Usdaw", "FBU", "Aslef"]
EMPLOYERS = [
    "the council", "the hospital trust", "Royal Mail", "the university", "the bus company",
    "the bin contractor", "the distribution centre", "the call centre", "the care home chain",
    "the academy trust", "the water company", "the train operator", "the airport",
]  # fmt: skip
SERVICES = [
    "the Central Library", "the Carnegie library", "the walk-in centre", "Riverside leisure centre",
    "the Sure Start centre", "the maternity unit", "the youth club", "the community pool",
    "the advice centre", "the day centre", "Hillside children's centre", "the women's refuge",
]  # fmt: skip
POLICIES = [
    "rent controls", "a wealth tax", "public ownership of water", "scrapping the two-child limit",
    "proportional representation", "free school meals for every primary pupil", "a four-day week",
    "a council housebuilding programme", "a national care service", "public ownership of rail",
    "a public energy company", "abolishing tuition fees",
]  # fmt: skip
REGIONS = [
    "the North East",
    "Yorkshire",
    "the West Midlands",
    "Greater Manchester",
    "Cornwall",
    "the South West",
]
AMOUNTS = ["£38,000", "£85,000", "£120,000", "£250,000", "£640,000", "£1.4m", "£2.1m", "£310,000"]
SMALL_AMOUNTS = ["£312", "£1,180", "£2,400", "£4,750", "£860", "£9,300"]
EVENTS = [
    "leadership hustings tour", "regional conference", "new membership system", "digital campaign",
    "rebrand", "policy roadshow", "staff restructure", "conference app",
]  # fmt: skip
FINANCE_TOPICS = [
    "publishing the accounts", "branch funding", "donor transparency", "staff costs",
    "conference fees", "the reserves", "consultancy contracts", "affiliation fees",
]  # fmt: skip
CANDIDATES = [("Rosa Mensah", "Gareth Pryce"), ("Gareth Pryce", "Rosa Mensah")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September"]
DAYS_OF_WEEK = [
    "this Saturday",
    "next Thursday",
    "Sunday afternoon",
    "next Saturday",
    "Friday evening",
]
BALLOT_RESULTS = [
    "91% yes on a 58% turnout",
    "turnout short by 40 votes",
    "yes to strike action",
    "a result next week",
]
TOPICS = [
    "housing",
    "the NHS",
    "social care",
    "transport",
    "energy",
    "education",
    "local government",
]

# fmt: off
TITLES: dict[str, list[tuple[str, str]]] = {
    "party-finances": [
        ("Where did the {amount} for the {event} actually go?", "The {last_year} accounts show {amount} against the {event}. That's one line. No breakdown, no supplier, no sign of who approved it."),
        ("Publish the full {last_year} accounts, not the summary", "Every year we get a four-page summary and a promise that the full accounts are 'available on request'. I requested them in {month}. Still waiting."),
        ("Motion: line-by-line accounts for every region", "Our branch passed this unanimously on Tuesday and we're sending it to the CLP. Posting the text here so other branches can copy it."),
        ("{branch} branch has {small_amount} in the bank and no say over it", "Our branch account holds {small_amount}. We raised every penny of it ourselves, and we still need regional sign-off to spend more than £100 of it."),
        ("Why are affiliation fees going up again?", "Second rise in three years, announced in a footnote. I'm not against paying for things, I'm against not being told what they are."),
        ("Membership subs: where does my £{sub} a month go?", "I tried to work out how my £{sub} a month is split between HQ, region and branch. It took me an evening and I'm still not sure."),
        ("Questions for the Treasurer candidates on {finance_topic}", "Hustings are coming up. Let's agree a short list of questions on {finance_topic} so we don't each ask a different half of the same one."),
        ("Consultancy spend: who signed off {amount}?", "Buried in the notes to the accounts: {amount} on 'external advisory services'. The NEC minutes for that period don't mention it."),
        ("Legacy donations: does anyone track what the party does with them?", "My aunt left the party money in her will. The family would like to know it did something. Nobody can tell us what."),
        ("Staff redundancies while HQ costs go up?", "Regional organisers were cut last year to 'balance the books'. In the same year, head office property costs rose. Both can't be the priority."),
        ("Can branches see their own share of the subs?", "Simple ask: a yearly statement per branch of what its members paid in and what came back. Is there any reason we can't have that?"),
        ("The audit committee hasn't met since {month}", "According to the published governance documents, the audit committee should meet quarterly. The last minutes I can find are from {month}."),
        ("Register of donations: a spreadsheet anyone can check", "I've put the party's declared donations from the Electoral Commission register into one sheet, sorted by size. Some patterns worth discussing."),
        ("What a members' finance committee could look like", "Lots of us say 'members should oversee the money'. Here's an attempt at what that would mean in practice, so we can argue about specifics."),
        ("Conference fees are pricing out ordinary delegates", "Delegate fee, hotel, travel: our branch's delegate to conference this year cost us {small_amount}. That's most of our balance."),
        ("Reserves policy: how much is the party sitting on?", "The accounts mention 'designated reserves' but not what they're designated for. I'd like members to be told the policy, in plain English."),
        ("The {amount} data contract nobody voted for", "We've signed a multi-year data contract worth {amount}. I only know because a staff member mentioned it at a regional meeting."),
        ("Branch fundraising: {n} ideas that actually worked in {branch}", "We went from a balance of almost nothing to {small_amount} in a year without a single raffle. Here's what worked for us in {branch}."),
        ("Backing {candidate} for party Treasurer", "I've not endorsed anyone for an internal election before. I'm backing {candidate} for Treasurer, and I want to explain why in terms of the money, not the factions."),
        ("{candidate}'s pledge on open books: is it enough?", "{candidate} has promised to publish quarterly management accounts. Good. But management accounts are whatever the Treasurer decides they are."),
        ("Treasurer hustings in {town}: my notes", "About sixty of us at the {town} hustings last night. Both {candidate} and {other_candidate} spoke; here are my notes, as neutral as I can make them."),
        ("Treasurer election: does the job need a qualified accountant?", "{other_candidate}'s supporters keep saying the Treasurer must be a qualified accountant. I'm not sure that's the skill that's been missing."),
        ("Dues arrears and lapsed members: the money we're losing", "Our branch has {n} members in arrears whose direct debits failed when the bank details changed. Nobody contacted them."),
        ("Who audits the auditors? Questions about the {last_year} audit", "The auditor's report for {last_year} has an 'emphasis of matter' paragraph that nobody at conference mentioned."),
        ("Regional funds for {region} have been frozen", "Since {month}, campaign funds for {region} need central approval. We were told it was temporary."),
    ],
    "campaigns": [
        ("Save {service}: petition, stall and public meeting", "The council wants to close {service} next spring. We've got a petition, a stall {day} and a public meeting booked."),
        ("{town} bus cuts: who's coming leafleting {day}?", "The operator is cutting evening services across {town}. Meet at the bus station {day} at 11, leaflets provided."),
        ("Door-knocking in {branch}: what people are actually saying", "Three weekends on the doors in {branch}. The cost of living comes up at every door, but not the way our leaflets put it."),
        ("Rent controls campaign: {town} launch {day}", "The {town} rent controls campaign launches {day}. Tenants, union reps and a couple of councillors will speak."),
        ("How our {town} tenants' union grew to {n} hundred members", "Two years ago it was five of us in a kitchen. Here's what we did, including the mistakes."),
        ("Climate jobs: pitching it to a room of {union} reps", "I presented our climate jobs plan to {union} reps last week. It went better than I feared, and the hard questions were the right ones."),
        ("Picket line solidarity rota for the {employer} dispute", "Workers at {employer} are out for {n} days. The strike committee asked for regular faces on the line, so here's a rota."),
        ("The leaflet that worked (and the one that didn't)", "We ran two leaflets side by side in {branch} and counted sign-ups. The difference was bigger than I expected."),
        ("By-election in {town}: volunteers needed", "A council by-election in {town}, polling day in three weeks. We need people on the doors every evening and both weekends."),
        ("Stop the closure of {service}", "{service_cap} serves thousands of people a year and the consultation closes in a fortnight. Here's how to respond, and why it matters."),
        ("Campaigning on {policy} without sounding like a manifesto", "People agree with {policy} when you talk about their street, and glaze over when you talk about policy. How are others doing it?"),
        ("How do we reach people who never open leaflets?", "Our leaflet response rate in {branch} is close to zero. Those same people talk to us happily at the school gate."),
        ("Street stall kit list (from someone who's done a hundred of them)", "Ten years of Saturday stalls in {town}. This is what's in the box, and what I stopped bothering with."),
        ("Warm spaces campaign in {town}: this winter", "Last winter we found pensioners sitting in the library until closing to stay warm. This year we're organising before it starts."),
        ("Should we spend campaign money on social media ads?", "The region offered us match funding for online ads. Half our committee thinks it's a waste; half thinks leaflets are."),
        ("Fighting the sell-off of {service}: lessons from {town}", "{town} fought off a sell-off of {service} last year. I asked the campaigners what they'd tell the rest of us."),
        ("Canvassing app down again: paper backup sheets here", "If the app falls over on your session, here's a printable sheet with the same fields so nothing gets lost."),
        ("Local press ignored our campaign. What next?", "Two press releases and a photo call about {service}. Not a line. What's worked for others?"),
        ("Young members' day of action: {town}, {day}", "Young members from across the region in {town} {day}. Doors in the morning, training in the afternoon, pub after."),
        ("Free school meals: letter template for councillors", "A template letter to councillors on free school meals, written with parents from our branch. Edit it, personalise it, send it."),
        ("Pensioners' campaign on {service}: first meeting", "Older members in {branch} want their own campaign on {service}. First meeting went well; notes below."),
    ],
    "unions": [
        ("The union link: a view from the shop floor", "I'm a {union} rep. When people here argue about 'the union link' they often mean the general secretaries. On the shop floor it looks different."),
        ("Should {union} stay affiliated?", "There's a motion at {union} conference to review affiliation. I'd like to hear from members of both the union and the party before I vote at branch."),
        ("Political levy: how do we explain where it goes?", "New starters at {employer} ask why they pay the political levy. I give a decent answer, but not a great one."),
        ("{union} ballot at {employer}: {result}", "The {union} ballot at {employer} closed yesterday: {result}. Here's what happens next and how people can help."),
        ("Strike at {employer}: how branches can help", "{union} members at {employer} walk out next week. The strike committee have been clear about what helps and what doesn't."),
        ("Employment rights: what's actually in it for us?", "I've read the employment rights proposals end to end so you don't have to. Good bits, missing bits, and the bits that depend on the detail."),
        ("Recognition fight at {employer}: {weeks} weeks in", "We're {weeks} weeks into the recognition campaign at {employer}. Management have hired consultants. Membership is still growing."),
        ("Why I became a {union} rep", "Nobody asked me to. A colleague was being managed out and nobody stood next to her in the meeting. So I did."),
        ("Union delegates at conference: block votes explained", "Every conference someone asks why a handful of people cast so many votes. Here's how it works and how the delegates are chosen."),
        ("Turnout thresholds are still killing our ballots", "{union} at {employer}: a clear majority for action, and the ballot failed on turnout. Again."),
        ("Fire and rehire at {employer}", "{employer} has told staff to accept new contracts or be dismissed and re-engaged. {union} is balloting."),
        ("Zero-hours contracts in {town}: a survey", "We surveyed workers in {town} town centre on their hours. Results below; some surprised even the reps."),
        ("Getting young workers into {union}", "The average age at our {union} branch meeting is about 55. The average age on the shop floor is 28."),
        ("Union-party liaison committee: does yours exist?", "Our CLP is supposed to have a trade union liaison officer. Ours hasn't been filled for two years."),
        ("Sectoral bargaining for care workers: where are we?", "Care workers were promised sectoral bargaining. I work in a care home in {town}. Nothing has changed on our rota yet."),
        ("Affiliated unions and the Treasurer election", "How will affiliated unions vote in the Treasurer election? {union} hasn't said, and its members in the party are asking."),
        ("{union} conference report back", "Back from {union} conference. The main debates, what passed, and what it means for the party link."),
        ("Strike pay and hardship funds: can branches donate?", "Our branch wants to donate to the hardship fund for the {employer} strikers. Is that allowed from branch funds?"),
        ("Health and safety reps: the most underrated role in the union", "I've been a {union} health and safety rep for {n} years. It's how I got half my members."),
    ],
    "policy": [
        ("The case for {policy}", "I want to make the case for {policy} as a priority, not a someday. And I want to make it to the sceptics here, not the converted."),
        ("{policy}: costed or not?", "Every time {policy} comes up, someone asks 'how will you pay for it?'. Fair question. Here's a first go at an answer."),
        ("Why I've changed my mind on {policy}", "Five years ago I'd have argued against {policy} in this forum. Here's what changed my mind."),
        ("Is {policy} a vote winner on the doorstep?", "I hear {policy} raised on the doors in {branch}, but usually as a question, not a demand."),
        ("Policy forum submission on {topic}: draft for comment", "Our branch is submitting to the policy forum on {topic}. Draft below; comments by the end of the week please."),
        ("Public ownership of water: where do we start?", "Everyone agrees the water companies have failed. Fewer agree on what public ownership should look like on day one."),
        ("Proportional representation: conference motion text", "Here's the text of the PR motion our branch is sending to conference. Amendments welcome before Thursday."),
        ("Council homes or 'affordable' homes?", "Every developer scheme in {town} promises 'affordable' homes at 80% of market rent. That's not affordable in {town}."),
        ("Wealth tax vs reforming council tax", "If we can only spend political capital on one, which should it be: a wealth tax, or fixing council tax bands?"),
        ("The two-child limit: no more excuses", "Teachers at our school see the effect of the two-child limit every day. The cost of scrapping it is small by comparison."),
        ("Devolution to {region}: real power or rebadged cuts?", "The new settlement for {region} comes with a mayor and a budget. The budget is smaller than the grants it replaces."),
        ("National care service: what members in care work think", "We asked care workers in our branch what a national care service should do first. The answers weren't about structures."),
        ("Four-day week trials: what the evidence says", "Summary of the four-day week pilot results and what they do and don't show."),
        ("A policy process members can actually influence", "I've submitted to the policy forum three times. I've never found out what happened to any of it."),
        ("Rail: finish the job on public ownership", "Most routes are coming back into public hands as franchises end. What about rolling stock and the freight network?"),
        ("A public energy company that actually sells energy", "A publicly owned energy company that only invests but never sells to households is a missed opportunity."),
        ("Tuition fees: scrap, freeze or graduate tax?", "Three options, three different price tags, three different politics. Where do members stand?"),
        ("Universal basic services vs universal basic income", "UBI comes up a lot with younger members. I think universal basic services are the stronger case. Change my mind."),
        ("Social care funding: a cap isn't a plan", "A cap on lifetime care costs protects inheritances. It doesn't put a single extra carer into a single home."),
        ("Local bus franchising: it works, let's say so", "Greater Manchester took its buses back into public control. Fares are down and routes are back. Why aren't we shouting about it?"),
    ],
    "branch-life": [
        ("{branch} branch closure: merged without a vote?", "We've been told {branch} branch is being merged into {branch2}. Nobody asked the members of either branch."),
        ("Our branch is being merged with {branch2}: what do we do?", "Letter from region: our branch merges with {branch2} from next month. What rights do we have here?"),
        ("{branch} AGM: officers elected, motions passed", "{branch} AGM last night. {n} motions, all the officer posts filled, and for the first time in years, contested."),
        ("Hybrid meetings: keep them or go back to the room?", "Since 2020 we've run hybrid meetings. Attendance is up, but the room is half empty and the chat is a sideshow."),
        ("Branch meetings at 7pm on a weeknight exclude carers", "Our branch meets at 7pm on a Tuesday. I can't come, and nor can most of the parents and carers I know in the branch."),
        ("How to write a motion that survives the CLP", "I've watched good motions die on procedural grounds. Here's how to avoid that."),
        ("Minutes haven't been circulated for {n} months", "Our branch hasn't circulated minutes for {n} months. The secretary says they're being written up. Is this normal?"),
        ("New members' social in {town}: the first one went well", "We tried a social instead of a meeting for new members in {town}. Thirty people came, eleven of them for the first time."),
        ("Branch secretary wanted: is it as bad as it sounds?", "Our secretary is standing down after six years. Nobody wants the job. Can the people who've done it tell us what it really involves?"),
        ("Our branch closed. Here's what happened to its money", "When {branch} branch was wound up, its balance of {small_amount} went to region. Members were told it would be 'ring-fenced'."),
        ("Quorum problems: {few} members at our last meeting", "We need ten for quorum. {few} came. Third time this year."),
        ("Making branch meetings less like a committee", "We moved the business to the last twenty minutes and started with a discussion. Attendance has doubled."),
        ("Delegates to the CLP: how does your branch choose them?", "We've always elected delegates at the AGM, but half of them never go. Do other branches do it differently?"),
        ("Standing orders: can the chair just refuse a motion?", "At our meeting the chair refused to take an emergency motion. Can they do that?"),
        ("Welcome pack for new members: template", "A welcome pack for new members, put together by {branch}. It's a bit better than the welcome email."),
        ("Branch WhatsApp groups: useful or a liability?", "Our branch WhatsApp has 140 people in it and a row every day. Do other branches have rules?"),
        ("{branch}: meeting room costs doubled", "The community centre has doubled its room hire. We're looking for somewhere else, ideally accessible and on a bus route."),
        ("Branch boundaries are being redrawn in {town}", "Boundary changes in {town} mean two branches are being split three ways. The consultation closes in {month}."),
        ("What does a branch women's officer actually do?", "I've just been elected women's officer in {branch}. The role description is one line long."),
        ("Childcare at branch meetings: how we did it", "{branch} now has a crèche at every general meeting. It cost less than we thought; here's how."),
    ],
}
# fmt: on

MIDDLES: dict[str, list[str]] = {
    "party-finances": [
        "This isn't about accusing anyone of anything. It's about the simple principle that members who pay for the party should be able to see how the money is spent.",
        "The published summary groups everything into six headings. 'Campaigns and elections' covers everything from leaflets to a by-election to the leader's tour. That tells us nothing.",
        "I've worked as a bookkeeper for a small charity. We publish more detail to our 200 donors than the party publishes to its members.",
        "When I raised this at the regional meeting I was told it was 'commercially sensitive'. Some of it may be. A total per supplier over £10,000 isn't.",
        "Every branch treasurer has to submit receipts for a £12 room booking. The same standard should apply upwards.",
        "The Electoral Commission filing is public anyway; the problem is that it's designed for regulators, not for members trying to understand priorities.",
        "Money is politics. What we spend on shows what we actually prioritise, whatever the speeches say.",
        "Branches used to receive a share of subs directly. Now it's a discretionary grant from region, which means branches that ask awkward questions wait longer.",
        "I asked {candidate} and {other_candidate} about this at hustings. Only one of them gave a straight answer.",
        "None of this needs a rule change. The Treasurer could publish it tomorrow.",
        "We're told the party is 'on a sound financial footing'. Sound compared to what, and on whose assumptions?",
        "If the numbers are fine, publishing them costs nothing. If they're not, members deserve to know before the next general election, not after.",
    ],
    "campaigns": [
        "We've found the best approach is to lead with the local issue and let people get to the politics themselves.",
        "We had {n} new volunteers last month, most of whom had never been to a branch meeting. Keeping them is the real challenge.",
        "The council's own consultation documents admit the closure will hit the poorest wards hardest. Quote that back at them.",
        "Bring a clipboard, a pen that works, and a flask. The weather in {town} doesn't care about your campaign.",
        "Every signature goes into our contact list (with consent, we check the box). That's the bit that builds the branch.",
        "A public meeting works if the people on the platform are the people affected, not us.",
        "Local businesses have been surprisingly supportive. The café on the high street has our petition by the till.",
        "Last time we did this we tried to cover the whole ward in one day and burned people out. This time: small teams, short sessions.",
        "If you can't do the doors, we need people to phone-bank from home, and to make tea for the people who come back soaked.",
        "Please don't argue with people on the doorstep. Listen, note it down, and move on.",
        "The unions have been brilliant: {union} printed the posters and lent us their office for the weekend.",
    ],
    "unions": [
        "The link works best when it's local: union reps on the branch committee, branch members on the picket line.",
        "Most of my members don't care about the party one way or the other. They care whether the party cares about them.",
        "Management at {employer} have tried everything: one-to-one meetings, 'listening exercises', vague promises about reviews.",
        "The turnout threshold means every non-vote counts as a no. We're spending more time chasing ballot papers than talking about the dispute.",
        "{union} has been clear: donations to the hardship fund and bodies on the picket line help. Arguing with management on social media doesn't.",
        "Reps at {employer} are doing this on top of full shifts, with facility time that exists on paper only.",
        "When people ask what the levy pays for, I point to the minimum wage, the working time rules and holiday pay. All things the link fought for.",
        "I've seen workplaces where the union is a service you ring when something goes wrong. I've seen ones where it's the workers. Only the second wins.",
        "We've had {n} new members since the ballot was announced. Nothing recruits like a dispute.",
        "The party needs to be clear about which side it's on in disputes like this one, and say so before the strike, not after.",
        "Our branch's link with the {union} branch was just a name on a form until we started going to each other's meetings.",
    ],
    "policy": [
        "The objection I hear most is cost. But the status quo has a cost too; it just lands on different people.",
        "I'm not arguing this is easy. I'm arguing it's popular, and that we're underselling it.",
        "Polling on this is consistently strong, including among people who don't vote for us.",
        "The detail matters. A badly designed version of {policy} would set the idea back a decade.",
        "Other European countries have done versions of this. We should learn from what went wrong there as well as what went right.",
        "We keep promising to 'review' this. Reviews are where policy goes to die.",
        "Councils can't do this alone. They need the powers and the money, and at the moment they have neither.",
        "For people in {town}, this isn't abstract. It's the difference between staying and leaving.",
        "The strongest argument isn't economic, it's moral: people should not have to live like this in one of the richest countries in the world.",
        "If we can't explain it in a sentence on the doorstep, we haven't finished the policy.",
        "A lot of this could be done through local government if the funding settlement allowed it.",
    ],
    "branch-life": [
        "I'm not blaming the officers, who are volunteers doing their best. I'm saying the structure doesn't work.",
        "The rule book says the branch must be consulted. A letter announcing a decision isn't consultation.",
        "We tried a rota for chairing so it isn't always the same person. It's helped more than I expected.",
        "A lot of newer members have never seen a motion, never mind written one. We should be teaching this.",
        "If the meeting is two hours of reports, people don't come back. Simple as that.",
        "The secretary's job is huge because everything gets dumped on it. Split it: membership, minutes, correspondence.",
        "We now send a one-page summary after each meeting. People actually read it, unlike the minutes.",
        "Accessibility matters: step-free access, a hearing loop, and a start time that works for people with kids.",
        "Region have been helpful when we've asked early. When we've asked late they've been stuck too.",
        "We're not asking for anything special, just the same rights as every other branch in the rule book.",
        "Our last three meetings were in a pub function room. Great for the social side, not so great for members who don't drink.",
    ],
}

# fmt: off
LISTS: dict[str, list[tuple[str, list[str]]]] = {
    "party-finances": [
        ("What we're asking for:", ["Full audited accounts, published to members", "Every payment over £10,000, with supplier", "A yearly statement per branch of subs in and grants out", "Minutes of the audit committee"]),
        ("Questions I'd like answered:", ["Who approved the spend, and when?", "Was it tendered?", "What did we get for it?"]),
        ("Where our branch income came from last year:", ["Subs share: almost none", "Quiz nights and socials: most of it", "Individual donations: a few hundred pounds", "Jumble sale: £212 and a lot of tea"]),
    ],
    "campaigns": [
        ("Kit list:", ["Clipboards and spare pens", "Petition sheets with a data-protection line", "A banner you can read from across the road", "Sticky tape (always sticky tape)", "A flask"]),
        ("How you can help:", ["Sign and share the petition", "Come to the stall, even for an hour", "Write to your councillor (template below)", "Tell us your story about {service}"]),
        ("What worked:", ["Short leaflets with one ask", "Door-knocking in pairs", "Following up within a week", "A WhatsApp group for the street"]),
    ],
    "unions": [
        ("How to help the strikers:", ["Donate to the hardship fund", "Join the picket line (check times with the strike committee)", "Bring hot drinks, not hot takes", "Invite a striker to speak at your branch"]),
        ("What the levy has won:", ["The national minimum wage", "Paid holiday for all workers", "Protection against unfair dismissal", "Union recognition rights"]),
    ],
    "policy": [
        ("Three tests for the policy:", ["Can we explain it on a doorstep?", "Can we say how it's paid for?", "Will people notice the difference within a parliament?"]),
        ("What the evidence shows:", ["Higher take-up when it's universal", "Lower administrative costs than means-testing", "Strong public support across regions"]),
    ],
    "branch-life": [
        ("Our new meeting format:", ["Welcome and introductions (10 min)", "Discussion on one topic (45 min)", "Business and motions (20 min)", "Tea"]),
        ("Motion checklist:", ["One clear 'this branch resolves'", "Facts in 'notes', opinions in 'believes'", "Check it against the rule book", "Get a seconder before the meeting"]),
    ],
}
# fmt: on

CLOSERS = [
    "Thoughts welcome, especially from people who disagree.",
    "If you've dealt with this in your branch, I'd love to hear how.",
    "Happy to share the full text with anyone who asks.",
    "Please share this with your branch.",
    "Solidarity.",
    "Is anyone else seeing this?",
    "What am I missing?",
    "More at the next branch meeting, but I wanted to get this out there first.",
    "Comments and corrections welcome below.",
]

LINKS = [
    "The full text is here: https://example.org/motions/{n}",
    "Background reading: [the consultation document](https://example.org/consultation)",
    "Sign the petition: https://example.org/petition",
    "I've put the figures in a sheet: https://example.org/sheets/{n}",
]

# Comments -----------------------------------------------------------------------------------------

AGREE = [
    "Completely agree.",
    "This is exactly what we've been saying in {branch} for years.",
    "Well put. I'm going to read this out at our next meeting.",
    "Agree with every word of this.",
    "Yes. And it shouldn't take a forum thread to get it done.",
    "This is the most sensible thing I've read on here all week.",
    "Seconded, as we'd say at branch.",
    "Thank you for writing this up so clearly.",
    "Spot on. The members are miles ahead of the leadership on this.",
    "Couldn't agree more, and I say that as someone who usually disagrees with you.",
]
DISAGREE = [
    "I'm not convinced.",
    "I think you're overstating this.",
    "Respectfully, that's not how it works.",
    "I disagree, but I'm glad someone's raised it.",
    "This sounds good but I don't think it survives contact with reality.",
    "We tried this in {branch} and it didn't work.",
    "I think this is the wrong fight to be picking right now.",
    "With the best will in the world, this is naive.",
    "The principle is fine. The timing is terrible.",
]
QUESTIONS = [
    "Does anyone know what the rule book actually says on this?",
    "Is there a source for that figure?",
    "Has anyone asked region directly?",
    "What would this cost a branch like ours?",
    "Who would decide, in practice?",
    "Is there a model motion for this somewhere?",
    "Genuine question: what happens if they just say no?",
    "How did you get the numbers?",
    "Is this going to conference this year or next?",
]
EXPERIENCE = [
    "In {branch} we had the same problem. What fixed it was getting three of us to turn up every month and keep asking.",
    "I've been a member for twenty years and I've never once seen a line-by-line breakdown of anything.",
    "Our {union} branch had exactly this argument last year.",
    "Speaking as a branch treasurer: the paperwork we have to do is twice what region does for us.",
    "When I worked at {employer} we saw the same thing from the other side.",
    "My mum was a member in {town} in the eighties. She says they used to read the accounts out at the AGM.",
    "We did this in {town} last spring. Took four months, but it worked.",
    "I raised this at the CLP in {month} and got a lot of nodding and no action.",
    "I'm a {union} member and our union publishes more detail than the party does.",
    "Our branch got a reply from region in two days when we copied in the regional director. Worth a try.",
]
SECTION_COMMENTS: dict[str, list[str]] = {
    "party-finances": [
        "If the numbers are fine, publish them. If they're not, members need to know.",
        "The summary accounts are basically a press release with a balance sheet stapled to it.",
        "Openness on finances isn't a factional issue. Everyone should want this.",
        "The staff aren't the problem here. Most of them would welcome more transparency.",
        "{candidate} has said they'd publish quarterly. I'd want that in writing, in the rule book.",
        "I'd settle for knowing the top ten suppliers and what they were paid.",
        "Donor transparency matters more than any of this. Who gives, how much, and what did they ask for?",
        "Every branch treasurer reconciles to the penny. It's not unreasonable to ask HQ to do the same in public.",
        "The audit is about whether the numbers are right, not whether the spending was wise. Those are different questions.",
        "Can we get this into a motion for the CLP? I'll second it.",
        "{other_candidate} at least has experience of running a budget this size. That counts for something.",
        "The reserves could fund a regional organiser in every region for five years. Just saying.",
        "I asked for the full accounts and got them in about a week, to be fair. They were 80 pages and told me almost nothing more.",
    ],
    "campaigns": [
        "Count me in for Saturday. I'll bring the gazebo.",
        "The petition's at 1,200 signatures. Keep sharing it.",
        "Talk about the bus, not 'public transport'. People use the bus.",
        "We got our best response from the school gate at 3pm, not the doors.",
        "Please make sure the leaflets have a large-print version. Half our ward is over seventy.",
        "The local paper finally ran it! Page seven, but still.",
        "Don't forget the councillors' surgeries: turning up in numbers works.",
        "I can do Thursday evenings but not weekends. Is there a phone bank?",
        "Our stall was next to the market and we got more sign-ups in an hour than a whole morning on the doors.",
        "Can someone share the template letter as a Word document? Not everyone can edit a PDF.",
        "My kids grew up using {service}. I'll be there.",
        "The campaign needs a face. Find someone who uses {service} every day and let them do the talking.",
    ],
    "unions": [
        "Solidarity to everyone on the line at {employer}.",
        "Donated to the hardship fund. Link's in the strike committee's post.",
        "The levy question comes up every induction. 'It's why you have paid holidays' usually does it.",
        "{union} members in our branch are split on the affiliation question, honestly.",
        "We need the party to stand on picket lines, not just tweet about them.",
        "The threshold is designed to make strikes fail. Repeal it.",
        "I'm not in {union} but I'll be at the picket on Monday.",
        "Facility time is the hidden issue. Reps can't organise on their lunch break.",
        "As a rep: the best thing branches can do is invite strikers to speak. It means a lot.",
        "Young workers join when someone asks them. That's it. That's the whole secret.",
        "Our shop stewards' committee voted to send a delegation. See you there.",
    ],
    "policy": [
        "The costings exist; they've been done to death. The barrier is political will.",
        "I'd support {policy} but it needs to be phased in, or it'll be wrecked in the first budget.",
        "On the doorstep people get this straight away. It's only commentators who find it complicated.",
        "Councils in {region} would do this tomorrow if they had the money.",
        "The evidence from abroad is more mixed than this post makes out.",
        "Good post. I'd add: whatever we propose has to work for people outside the big cities too.",
        "The worst outcome is announcing it and then watering it down. Do it properly or not at all.",
        "Can we have a policy that's actually tested with members before it's announced?",
        "{policy} polls well until you mention tax. We need an answer ready.",
        "This is where the unions' research departments are brilliant. Ask them.",
        "Policy forum submissions disappear into a void. Motions at conference at least get a vote.",
    ],
    "branch-life": [
        "Our branch merged two years ago. Attendance halved and never recovered.",
        "Chair here. You can't refuse a motion just because you don't like it. Check the standing orders.",
        "Hybrid has been a lifeline for members who can't travel. Please don't drop it.",
        "We moved to Saturday mornings with a crèche. Best decision we've made.",
        "Minutes within a week or it's not minutes, it's history.",
        "Being branch secretary is a lot, but it's the best way to meet everyone. Do it for a year.",
        "Our WhatsApp has one rule: no forwarding. Works well.",
        "If you need a room, the {union} office in {town} sometimes lends theirs for free.",
        "The rule book is on the members' site. Chapter on branches. Bring a printed copy to the meeting.",
        "New members' socials are the best thing we've started. Do them in a café, not a pub.",
        "We had {few} at our last meeting. Quorum is ten. We carried on informally and wrote it up as notes.",
    ],
}
MARKER_COMMENTS = [
    "This is the post I've been waiting for someone to write.",
    "Signed up to the campaign. Where do I get the model motion?",
    "Open books isn't radical. It's the minimum.",
    "A members' finance committee with real access to the ledgers, not a summary. That's the ask.",
    "Whoever wins the Treasurer election should be judged on whether they deliver this.",
    "Our branch passed the open-books motion last night, 23 for, 2 against.",
    "The argument that publishing spending 'helps our opponents' is nonsense. Our opponents have accountants too.",
    "I've been a member since 1997 and this is the first campaign about the party's own money that's actually got going.",
    "We need the quarterly figures by region, or branches will never know whether their subs come back.",
    "Genuinely asking: what would stop HQ publishing this tomorrow?",
    "The donors list matters most. Members should know who funds the party before policy is written.",
    "Please don't turn this into a factional thing. Plenty of us on the other side of the party want this too.",
    "I've written to the General Secretary. Will post the reply, if I get one.",
    "The phrase 'commercially sensitive' is doing a lot of work in every answer we've had.",
    "If this passes at conference it has to be a rule change, not a statement. Statements get forgotten.",
    "Olu, can you share the spreadsheet you mentioned? Some of us want to check the sums.",
    "Whoever drafted the motion: the 'resolves' section is tight. Well done.",
    "Transparency on staff pay bands only, please. Not individual salaries. Staff are members too.",
    "Our CLP treasurer says they'd welcome this. It would make their job easier.",
    "This needs a one-page version for people who won't read a thread this long.",
]
TREASURER_COMMENTS = [
    "Question for both candidates: will you publish full accounts within six months of the year end? Yes or no.",
    "Question for {candidate}: how would a members' finance committee work alongside the audit committee?",
    "Question for {other_candidate}: you've run a union budget. What did you publish to members there?",
    "I've met {candidate} at a regional meeting. Straight answers, no spin.",
    "{other_candidate} has the better CV. {candidate} has the better plan. I'm still undecided.",
    "Whoever wins, I want the open-books pledge in the rule book, not in a leaflet.",
    "Which of them has actually said they'd support the finance committee motion?",
    "The Treasurer's job is mostly saying no. Who's better at saying no to the leader's office?",
    "Voted for {candidate}. The ballot takes two minutes, do it now.",
    "Is there a list of which CLPs nominated which candidate?",
    "I'll vote for whichever one commits to branch balances staying with branches.",
    "Experience matters, but so does independence. Both have some of each.",
    "{candidate} answered my email within a day. That says something.",
    "Don't vote on faction. Read both statements first.",
]
SELECTION_COMMENTS = [
    "I was there too. The queue at the door was a shambles, but I didn't see anyone turned away.",
    "Members being turned away at the door should never happen. Was there a list of eligible members?",
    "The count should have been done in the room. Every selection I've been to, it was.",
    "Has anyone complained formally? There is a process, even if it's slow.",
    "Please don't name the people on the door. They were volunteers doing what they were told.",
    "The freeze date for eligibility was on the notice. Some of those members joined after it.",
    "If the numbers had been announced, none of this would be happening.",
    "This is exactly why selections need independent scrutineers.",
    "I'd rather we didn't relitigate this in public. Take it to the disputes panel.",
    "I was turned away from a meeting once. You don't come back after that.",
    "The result is the result. But the process matters for next time.",
    "Region should publish the turnout and the count. That would settle it.",
]
FORUM_COMMENTS = [
    "Can I hide my union from everyone except logged-in members? Found it: it's on the profile page.",
    "Thanks Maya. Is there a way to get notified of replies?",
    "Any chance of a dark mode?",
    "Good rules. The one about not naming members who aren't here especially.",
    "How do I recommend a post? Found it, the button under the title.",
    "Could we have a section for regional news?",
    "Who are the moderators, and how are they chosen?",
    "Does deleting a comment delete the replies too? Answered my own question: no.",
    "Nice to have somewhere to argue that isn't social media.",
    "Can non-members read the forum?",
]

REPLIES = [
    "That's fair.",
    "Fair point, I hadn't thought of that.",
    "That's not quite what I said.",
    "Source?",
    "I think we agree more than this exchange suggests.",
    "You're missing the point, I think.",
    "Exactly this.",
    "Maybe, but that's a different argument.",
    "Good question. I don't know.",
    "Same in our branch.",
    "I'll raise it at the next meeting and report back.",
    "Ha, yes. Every single time.",
    "That's what region told us too. It wasn't true then either.",
    "Read the post again: nobody's suggesting that.",
    "I take the point, but the members asked for this.",
    "Thanks, that's really helpful.",
    "OK, that's a better argument than mine.",
    "Respectfully, I think that's wrong, and here's why.",
    "It's in the rule book, chapter on branches.",
    "Agreed. Let's not make the perfect the enemy of the good.",
    "I was at that meeting. That's not how it went.",
    "Yes, and it's worse than that.",
    "Can we keep this comradely, please?",
    "I'd love to see that in writing.",
    "Let's take this to DMs, it's derailing the thread.",
]
AUTHOR_REPLIES = [
    "Thanks, I'll add that to the motion.",
    "Good point. I've updated the post.",
    "I did ask. No reply yet; I'll chase.",
    "That's exactly the kind of detail I was after, thank you.",
    "I hear you, but I still think it's worth raising.",
    "Happy to be corrected on this: where did you get that figure?",
    "Yes! That's the plan for the next meeting.",
    "Fair criticism. I should have been clearer.",
]
LOCK_NOTE = (
    "**Locking this thread.** It's gone round in circles, and several comments named "
    "members who aren't here to answer. The selection complaint is with the region's disputes "
    "panel; please take it there. — Maya, moderator"
)

# Hand-written posts -------------------------------------------------------------------------------

MARKER_BODY = """\
Every member pays for this party. Very few of us can say where the money goes.

The published accounts are a summary: six spending headings, one page of notes, and an auditor's \
letter. Branches that raise their own money need regional sign-off to spend it. Decisions worth \
hundreds of thousands of pounds appear in no minutes that members can read.

This isn't an accusation. It's a request for the basic openness we'd demand of any council, \
charity or union we were members of.

## What we're asking for

1. **Full accounts**, published to members every year, with every payment over £10,000 and who \
received it.
2. **Quarterly figures by region**, so branches can see whether their subs come back to them.
3. **A members' finance committee**, elected by members, with access to the ledgers and a duty \
to report to conference.
4. **Branch balances controlled by branches**, within the rules, without a regional veto on \
every spend over £100.

## Why now

The Treasurer election is this autumn. Both candidates have said warm things about transparency. \
Let's turn warm words into a rule change, whoever wins.

> Money is politics. What we spend on shows what we actually prioritise.

There's a model motion for branches here: https://example.org/open-books/motion. If your branch \
passes it, say so below and we'll keep a tally.

Take back control of party finances. It's our money.
"""

WELCOME_BODY = """\
Welcome! This is a forum for party and trade-union members to argue, organise and help each \
other. A few house rules:

- **Be comradely.** Disagree with arguments, not people. No personal attacks.
- **No doxxing.** Don't post anyone's personal details, or name members in disputes who aren't \
here to answer.
- **Your affiliations are yours.** Branch and union membership on your profile is shown only to \
the people you choose.
- **Recommend** posts you think others should read; vote on comments to bring the best ones up.

You can delete your own posts and comments; replies under a deleted comment stay, so threads \
still make sense. Moderators can lock threads that have stopped being useful.

Questions about the forum itself go in this thread. — Maya
"""

HUSTINGS_BODY = """\
Both candidates for party Treasurer, {candidate} and {other_candidate}, have agreed to answer \
members' questions here over the next week.

Please:

- one question per comment, so they can answer each one directly;
- recommend the comment rather than repeating a question someone has already asked;
- keep it about the job: the party's finances, accounts and the branches' money.

We'll send both candidates the most recommended questions on Friday and post their answers \
here. Moderators will remove anything personal.
"""

ROSA_BODY = """\
I've never endorsed anyone in an internal election before. I'm backing **{candidate}** for party \
Treasurer, and I want to explain why in terms of the money rather than the factions.

{candidate} has been a branch treasurer for eight years and a CLP treasurer for three. She knows \
what it's like to be on the receiving end of a regional veto over a £150 room booking.

Her three pledges:

1. Publish full accounts to members within six months of the year end.
2. Quarterly figures by region.
3. Support the members' finance committee motion at conference.

{other_candidate} is a decent person with real experience. But experience of the system as it is \
isn't what we need. We need someone who'll open it up.
"""

GARETH_BODY = """\
I like a lot of what {other_candidate} is saying. I'm still backing **{candidate}** for \
Treasurer, and I want to make the case without trashing anyone.

The Treasurer signs off a budget of tens of millions of pounds, answers to the Electoral \
Commission, and has to say no to powerful people. {candidate} has done that job at scale, in a \
union, through a deficit.

Transparency matters. So does not running out of money in an election year. I think {candidate} \
will deliver both, and will publish more than any Treasurer before.
"""

ACCOUNTS_BODY = """\
I'm an accountant, so I did what I do at work: went through the published accounts line by line. \
Here's the share of spending by heading, as far as I can reconstruct it:

| Heading | Three years ago | Last year |
|---|---:|---:|
| Staff | 38% | 45% |
| Property | 9% | 12% |
| Campaigns and elections | 24% | 17% |
| Grants to regions and branches | 8% | 4% |
| Professional fees | 3% | 6% |

Two things jump out: the money going back to regions and branches has halved as a share, and \
professional fees have doubled. Neither is explained anywhere in the notes.

I'm not claiming wrongdoing. I'm saying members can't judge priorities from this, and that's the \
point of the open-books campaign.
"""

CLOSURE_BODY = """\
Last month a letter arrived: our branch is "consolidated" into its neighbour from the first of \
next month. No meeting, no vote, no consultation.

We're a small branch, about forty active members, but we meet every month, we run a stall every \
Saturday, and we had a healthy balance that we raised ourselves.

Two questions for anyone who's been through this:

- Does the rule book let region do this without a vote of the members affected?
- What happens to the branch's money? We've been told it will be "held centrally".

We're not going quietly.
"""

LINK_BODY = """\
Every couple of years someone proposes cutting the link between the unions and the party. I'm a \
young members' officer and a GMB member, and I think the link is worth fighting for.

The link is why the party was founded. It's why the minimum wage, holiday pay and unfair \
dismissal protection exist. And it's the one thing that stops the party being run entirely by \
professionals and donors.

But it has to be a link between members, not between general secretaries. That means union reps \
in our branches, and party members on picket lines. It means the party saying which side it's on.
"""

LOCKED_BODY = """\
I was at the {branch} selection meeting on Saturday. I'll keep this factual.

The meeting started forty minutes late. About thirty members who had been told they were eligible \
were turned away at the door. The count was done in a side room, and the result was announced \
without the numbers.

I'm not saying the result was wrong. I'm saying members can't know if it was right, and that's \
a problem for whoever won.

Has anyone else here been at a selection like this? What did you do?
"""
