"""Synthetic national-scale data (`tidtam synth`): organisations, reporting rounds, projects with their budgets,
monthly plans and plan links, and quarterly progress reports in every workflow state, over the real plan tree.

What it writes, for `--projects N --fiscal-years A-B --seed S`:

* an organisation tree of about N/50 bodies (at least 20): ministries → departments → divisions with Thai names
  composed from word lists, codes `syn<S>-…`, `path` and `depth` exactly as `organisation_create` sets them;
* the quarterly reporting rounds of every fiscal year A..B that do not exist yet (period, opening day and deadline
  as the demo opens them with `round_open`); the synthetic "today" is the deadline of the last round of the range:
  that round stays open and every round created before it is closed;
* N projects `SYN<S>-000001…` (all `is_illustrative`), 1–3 fiscal years inside A..B, owned by divisions and
  departments, with Thai names and objectives about the plan's themes, 1–3 provinces, budget lines per fiscal year and
  source, a planned disbursement per month, exactly one primary contribution to a target or factor of `ns` for ~97 %
  of them (the rest have none, or only a secondary link, so gap analysis has something to find — such records could
  not pass submission today; read them as records migrated from an older system) and secondary links to
  `asean-us-poa` action lines; workflow states 76 % accepted, 8 % approved, 8 % submitted, 4 % draft, 4 % returned;
* one progress report per project and quarter of its fiscal years, physical progress rising over time, results text,
  three monthly disbursements per report within the planned amounts; older rounds mostly accepted, the last round a
  mix of every state; a report never stands further along the chain than its project.

How: one transaction; rows are built as tuples and written in bulk (`_Writer`: one prepared INSERT run with
`executemany` on SQLite, `COPY` on PostgreSQL, 2,000 projects at a time), with the ids of organisations, rounds,
projects and reports counted ahead (past the largest id and the table's sequence; on PostgreSQL those tables are
locked against concurrent inserts meanwhile, and their sequences moved past the new ids afterwards). `bulk_create`
was measured first and reached only about 9,400 projects a minute on SQLite: building model instances and compiling
every value through the ORM took 80 % of the time. The services, their permission checks and the audit log are
bypassed on purpose — a million audited service calls would take hours, and this is test data, not anyone's work:
nothing of it appears in an audit timeline. Every value, `created_at`/`updated_at` and the workflow times included,
comes from `random.Random(seed)` and the Thai fiscal calendar, never from the clock: the same seed and arguments give
the same rows (compared by codes, not ids; SQLite and PostgreSQL give identical rows too). If the `ns` framework is
missing, the demo's organisations and frameworks are loaded first (`tidtam.core.demo`), through the services as
`tidtam demo` loads them.
"""

from __future__ import annotations

import random
import re
import time as clock
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import NamedTuple, TextIO
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, models, transaction

from tidtam.core import thaicalendar
from tidtam.core.errors import Conflict, ValidationFailed, bilingual
from tidtam.core.models import Country, Province
from tidtam.evaluation.rollups import rollups_rebuild
from tidtam.organisations.choices import OrganisationKind
from tidtam.organisations.models import Organisation
from tidtam.plans.models import Node
from tidtam.projects.choices import BudgetSource, Lifecycle, ProjectKind
from tidtam.projects.models import BudgetLine, Contribution, PlannedDisbursement, Project
from tidtam.reporting.choices import RoundStatus
from tidtam.reporting.models import ProgressReport, ReportDisbursement, ReportingRound
from tidtam.workflow.choices import WorkflowStatus as S

__all__ = ["SynthSummary", "parse_fiscal_years", "synth_generate", "synth_org_prefix", "synth_project_prefix"]

BANGKOK = ZoneInfo("Asia/Bangkok")
BATCH_SIZE = 5000
CHUNK_PROJECTS = 2000  # projects built and written together (memory stays flat at any N)
MAX_YEARS = 20
RETURNED = "returned"  # a draft with a return reason: the fifth workflow state people see

# Project workflow states per block of 25 projects (shuffled in each block): 76 % accepted, 8 % approved,
# 8 % submitted, 4 % draft, 4 % returned; every state occurs in every full block.
PROJECT_STATE_BLOCK = (S.ACCEPTED,) * 19 + (S.APPROVED,) * 2 + (S.SUBMITTED,) * 2 + (S.DRAFT, RETURNED)
UNLINKED_BLOCK = 33  # one project in each block of 33 has no primary contribution (~3 %)
# Reports of accepted projects in the last round of the range, per block of 10 (shuffled): a mix of every state.
LATEST_REPORT_BLOCK = (S.ACCEPTED,) * 4 + (S.APPROVED,) * 2 + (S.SUBMITTED,) * 2 + (S.DRAFT, RETURNED)
# Reports of accepted projects in older rounds: (state, cumulative weight).
OLDER_REPORT_STATES = ((S.ACCEPTED, 90), (S.APPROVED, 93), (S.SUBMITTED, 96), (S.DRAFT, 98), (RETURNED, 100))
_RANK = {S.DRAFT: 0, RETURNED: 0, S.SUBMITTED: 1, S.APPROVED: 2, S.ACCEPTED: 3}

# How many years a project runs: 1 (12 %), 2 (18 %) or 3 (70 %: multi-year programmes and routine work dominate),
# clipped to the range; over 2566-2568 that is about 10 reports a project.
DURATION_WEIGHTS = (12, 30, 100)
# Other budget sources beside the state budget: (source, probability per project, share of the state budget).
EXTRA_SOURCES = (
    (BudgetSource.OFF_BUDGET, 0.20, (0.05, 0.40)),
    (BudgetSource.OWN_REVENUE, 0.08, (0.05, 0.20)),
    (BudgetSource.LOAN, 0.04, (0.20, 1.00)),
    (BudgetSource.OTHER, 0.03, (0.02, 0.10)),
)
# Relative planned spending per month of the fiscal year (October first): slow start, heavier later.
MONTH_WEIGHTS = (4, 5, 6, 7, 8, 9, 9, 9, 10, 10, 11, 12)


# --------------------------------------------------------------------------------------------------- word lists


class Theme(NamedTuple):
    """A policy theme: how plan nodes are recognised as belonging to it, and the words its bodies and projects use."""

    key: str
    keywords: tuple[str, ...]  # matched against a plan node's Thai title (then its parent's)
    master_plans: tuple[str, ...]  # National Strategy master plan codes of the theme (a fallback for nodes)
    ministries: tuple[tuple[str, str], ...]
    departments: tuple[tuple[str, str], ...]  # "กรม" + topic
    subjects: tuple[tuple[str, str], ...]  # what projects are about (Thai, English)


# Order matters: a node belongs to the first theme with a keyword in its title.
THEMES: tuple[Theme, ...] = (
    Theme(
        "health",
        ("สุขภาพ", "โรคระบาด", "สาธารณสุข", "การแพทย์"),
        ("13",),
        (
            ("กระทรวงสาธารณสุขและการแพทย์", "Ministry of Public Health and Medical Services"),
            ("กระทรวงสุขภาวะและการกีฬา", "Ministry of Well-being and Sport"),
        ),
        (
            ("ควบคุมโรคติดต่อ", "Communicable Disease Control"),
            ("ส่งเสริมสุขภาพ", "Health Promotion"),
            ("การแพทย์ฉุกเฉิน", "Emergency Medicine"),
            ("สุขภาพจิต", "Mental Health"),
            ("อนามัยสิ่งแวดล้อม", "Environmental Health"),
            ("วิทยาศาสตร์การแพทย์", "Medical Sciences"),
        ),
        (
            ("ระบบเฝ้าระวังโรคระบาดข้ามพรมแดน", "cross-border epidemic surveillance"),
            ("การเตรียมความพร้อมรับมือโรคอุบัติใหม่", "preparedness for emerging diseases"),
            ("บริการสุขภาพปฐมภูมิในชุมชน", "primary health care in communities"),
            ("การส่งเสริมสุขภาวะผู้สูงอายุ", "healthy ageing"),
            ("การควบคุมวัณโรคและโรคไม่ติดต่อ", "tuberculosis and non-communicable disease control"),
            ("ระบบการแพทย์ทางไกล", "telemedicine"),
            ("ความมั่นคงทางสุขภาพระดับภูมิภาค", "regional health security"),
        ),
    ),
    Theme(
        "diplomacy",
        ("พหุภาคี", "องค์การระหว่างประเทศ", "การทูต", "ภาพลักษณ์", "พันธกรณี", "มาตรฐานสากล", "กงสุล", "คนไทยในต่างประเทศ"),
        ("02",),
        (
            (
                "กระทรวงการต่างประเทศและความร่วมมือระหว่างประเทศ",
                "Ministry of Foreign Affairs and International Cooperation",
            ),
            ("กระทรวงกิจการอาเซียนและภูมิภาค", "Ministry of ASEAN and Regional Affairs"),
        ),
        (
            ("องค์การระหว่างประเทศ", "International Organisations"),
            ("สนธิสัญญาและกฎหมาย", "Treaties and Legal Affairs"),
            ("สารนิเทศ", "Information"),
            ("การกงสุล", "Consular Affairs"),
            ("เอเชียตะวันออก", "East Asian Affairs"),
            ("ยุโรป", "European Affairs"),
            ("อาเซียน", "ASEAN Affairs"),
        ),
        (
            ("การมีบทบาทนำในเวทีพหุภาคี", "leadership in multilateral fora"),
            ("การปฏิบัติตามพันธกรณีระหว่างประเทศ", "compliance with international obligations"),
            ("การทูตสาธารณะและภาพลักษณ์ของประเทศ", "public diplomacy and the country's image"),
            ("การจัดทำรายงานตามอนุสัญญาระหว่างประเทศ", "reporting under international conventions"),
            ("ความสัมพันธ์ทวิภาคีกับประเทศหุ้นส่วน", "bilateral relations with partner countries"),
            ("บริการกงสุลและการคุ้มครองคนไทยในต่างประเทศ", "consular services and protection of Thais abroad"),
            ("การสมัครรับเลือกตั้งในองค์การระหว่างประเทศ", "candidatures in international organisations"),
        ),
    ),
    Theme(
        "digital",
        ("ดิจิทัล", "ข้อมูล", "อิเล็กทรอนิกส์", "ไซเบอร์"),
        ("07", "20"),
        (
            ("กระทรวงการพัฒนาดิจิทัล", "Ministry of Digital Development"),
            ("กระทรวงคมนาคมและโครงสร้างพื้นฐาน", "Ministry of Transport and Infrastructure"),
        ),
        (
            ("รัฐบาลดิจิทัล", "Digital Government"),
            ("โครงสร้างพื้นฐานดิจิทัล", "Digital Infrastructure"),
            ("ส่งเสริมเศรษฐกิจดิจิทัล", "Digital Economy Promotion"),
            ("ข้อมูลและสถิติ", "Data and Statistics"),
            ("ธุรกรรมทางอิเล็กทรอนิกส์", "Electronic Transactions"),
            ("การขนส่งและโลจิสติกส์", "Transport and Logistics"),
        ),
        (
            ("บริการภาครัฐแบบดิจิทัล", "digital public services"),
            ("ระบบข้อมูลเปิดภาครัฐ", "open government data"),
            ("การเชื่อมโยงข้อมูลระหว่างหน่วยงาน", "inter-agency data exchange"),
            ("ทักษะดิจิทัลของประชาชน", "digital skills for citizens"),
            ("การค้าอิเล็กทรอนิกส์ข้ามพรมแดน", "cross-border e-commerce"),
            ("โครงข่ายอินเทอร์เน็ตความเร็วสูงในพื้นที่ห่างไกล", "broadband in remote areas"),
            ("ความมั่นคงปลอดภัยไซเบอร์ของหน่วยงานรัฐ", "cybersecurity of government agencies"),
        ),
    ),
    Theme(
        "innovation",
        ("วิจัย", "นวัตกรรม", "เทคโนโลยี", "ทรัพย์สินทางปัญญา"),
        ("23",),
        (("กระทรวงการวิจัยและนวัตกรรม", "Ministry of Research and Innovation"),),
        (
            ("ส่งเสริมการวิจัย", "Research Promotion"),
            ("ถ่ายทอดเทคโนโลยี", "Technology Transfer"),
            ("มาตรวิทยาและมาตรฐาน", "Metrology and Standards"),
            ("นวัตกรรมแห่งชาติ", "National Innovation"),
            ("วิทยาศาสตร์บริการ", "Science Service"),
        ),
        (
            ("การจับคู่นักวิจัยกับผู้ประกอบการ", "matching researchers with entrepreneurs"),
            ("การนำผลงานวิจัยไปใช้เชิงพาณิชย์", "commercialising research"),
            ("การถ่ายทอดเทคโนโลยีสู่ชุมชน", "technology transfer to communities"),
            ("นวัตกรรมอาหารและการเกษตร", "food and agricultural innovation"),
            ("ระบบคุ้มครองทรัพย์สินทางปัญญา", "intellectual property protection"),
        ),
    ),
    Theme(
        "trade",
        ("การค้า", "การลงทุน", "ตลาด", "ผู้ประกอบการ", "เศรษฐกิจ", "วิสาหกิจ", "ศุลกากร"),
        ("03", "04", "05", "08", "09"),
        (
            ("กระทรวงการค้าและการลงทุน", "Ministry of Trade and Investment"),
            ("กระทรวงเศรษฐกิจและอุตสาหกรรม", "Ministry of Economy and Industry"),
            ("กระทรวงเกษตรและอาหาร", "Ministry of Agriculture and Food"),
        ),
        (
            ("เจรจาการค้าระหว่างประเทศ", "International Trade Negotiations"),
            ("ส่งเสริมการส่งออก", "Export Promotion"),
            ("ส่งเสริมการลงทุน", "Investment Promotion"),
            ("พัฒนาธุรกิจการค้า", "Business Development"),
            ("ส่งเสริมวิสาหกิจขนาดกลางและขนาดย่อม", "SME Promotion"),
            ("การค้าชายแดน", "Border Trade"),
            ("ส่งเสริมการเกษตร", "Agricultural Extension"),
        ),
        (
            ("การเจรจาความตกลงการค้าเสรี", "free trade agreement negotiations"),
            ("การส่งออกสินค้าเกษตรแปรรูป", "exports of processed agricultural goods"),
            ("การอำนวยความสะดวกทางการค้าแบบไร้กระดาษ", "paperless trade facilitation"),
            ("การขยายตลาดของวิสาหกิจขนาดกลางและขนาดย่อม", "market access for small and medium enterprises"),
            ("การดึงดูดการลงทุนในอุตสาหกรรมเป้าหมาย", "investment in target industries"),
            ("การค้าชายแดนและการค้าผ่านแดน", "border and transit trade"),
            ("การทูตเศรษฐกิจเชิงรุก", "proactive economic diplomacy"),
        ),
    ),
    Theme(
        "security",
        ("ความมั่นคง", "ภัยคุกคาม", "เผชิญเหตุ", "สั่งการ", "กลาโหม", "ทางทะเล", "อาชญากรรม", "ค้ามนุษย์", "ยาเสพติด"),
        ("01",),
        (
            ("กระทรวงความมั่นคงภายใน", "Ministry of Internal Security"),
            ("กระทรวงป้องกันประเทศ", "Ministry of National Defence"),
        ),
        (
            ("การป้องกันชายแดน", "Border Protection"),
            ("กิจการความมั่นคงทางทะเล", "Maritime Security Affairs"),
            ("ป้องกันและปราบปรามการค้ามนุษย์", "Anti-Human Trafficking"),
            ("ข่าวกรองแห่งชาติ", "National Intelligence"),
            ("ป้องกันภัยฝ่ายพลเรือน", "Civil Defence"),
            ("ปราบปรามยาเสพติด", "Narcotics Suppression"),
        ),
        (
            ("ความมั่นคงทางทะเล", "maritime security"),
            ("การป้องกันและปราบปรามการค้ามนุษย์", "prevention and suppression of human trafficking"),
            ("การรับมือภัยคุกคามทางไซเบอร์", "response to cyber threats"),
            ("การบริหารจัดการชายแดน", "border management"),
            ("การต่อต้านอาชญากรรมข้ามชาติ", "countering transnational crime"),
            ("การป้องกันยาเสพติดในพื้นที่ชายแดน", "drug prevention in border areas"),
            ("การฝึกซ้อมแผนเผชิญเหตุร่วม", "joint contingency exercises"),
            ("การแลกเปลี่ยนข้อมูลข่าวกรอง", "intelligence sharing"),
        ),
    ),
    Theme(
        "education",
        ("วิชาการ", "การศึกษา", "เยาวชน", "การเรียนรู้", "ไตรภาคี", "การพัฒนาที่ยั่งยืน", "ผู้นำรุ่นใหม่", "ศิษย์เก่า"),
        ("10", "11", "12", "14"),
        (
            ("กระทรวงการศึกษาและการเรียนรู้ตลอดชีวิต", "Ministry of Education and Lifelong Learning"),
            ("กระทรวงแรงงานและพัฒนาทักษะ", "Ministry of Labour and Skills Development"),
        ),
        (
            ("ความร่วมมือเพื่อการพัฒนาระหว่างประเทศ", "International Development Cooperation"),
            ("การศึกษาขั้นพื้นฐาน", "Basic Education"),
            ("การอาชีวศึกษา", "Vocational Education"),
            ("ส่งเสริมการเรียนรู้", "Learning Promotion"),
            ("พัฒนาครูและบุคลากรทางการศึกษา", "Teacher Development"),
            ("พัฒนาฝีมือแรงงาน", "Skill Development"),
        ),
        (
            ("ทุนการศึกษาสำหรับประเทศเพื่อนบ้าน", "scholarships for neighbouring countries"),
            ("ความร่วมมือทางวิชาการกับประเทศเพื่อนบ้าน", "technical cooperation with neighbouring countries"),
            ("ทักษะอาชีพของเยาวชน", "vocational skills for youth"),
            ("การเรียนรู้ภาษาต่างประเทศ", "foreign language learning"),
            ("การแลกเปลี่ยนผู้นำเยาวชนอาเซียน", "ASEAN youth leadership exchange"),
            ("คุณภาพการศึกษาในพื้นที่ห่างไกล", "education quality in remote areas"),
        ),
    ),
    Theme(
        "environment",
        ("สิ่งแวดล้อม", "ภูมิอากาศ", "ภัยพิบัติ", "ทรัพยากรน้ำ", "ป่าไม้", "ประมง"),
        ("18", "19"),
        (
            ("กระทรวงทรัพยากรธรรมชาติและการเปลี่ยนแปลงสภาพภูมิอากาศ", "Ministry of Natural Resources and Climate Change"),
            ("กระทรวงพลังงานสะอาด", "Ministry of Clean Energy"),
        ),
        (
            ("ควบคุมมลพิษ", "Pollution Control"),
            ("ทรัพยากรน้ำ", "Water Resources"),
            ("อุทยานและป่าไม้", "Parks and Forests"),
            ("ทรัพยากรทางทะเลและชายฝั่ง", "Marine and Coastal Resources"),
            ("การเปลี่ยนแปลงสภาพภูมิอากาศ", "Climate Change"),
            ("พลังงานทดแทน", "Renewable Energy"),
        ),
        (
            ("การลดก๊าซเรือนกระจก", "greenhouse gas reduction"),
            ("การจัดการขยะพลาสติกในทะเล", "marine plastic waste management"),
            ("การบริหารจัดการน้ำทั้งระบบ", "integrated water management"),
            ("ระบบเตือนภัยพิบัติ", "disaster early warning"),
            ("การฟื้นฟูป่าต้นน้ำ", "watershed forest restoration"),
            ("การแก้ไขปัญหาฝุ่นละอองขนาดเล็ก", "fine particulate (PM2.5) pollution"),
            ("การต่อต้านการประมงผิดกฎหมาย", "countering illegal fishing"),
        ),
    ),
    Theme(
        "participation",
        ("ประชาชน", "ภาคประชาสังคม", "รัฐสภา", "มีส่วนร่วม", "ทีมประเทศไทย", "เครือข่าย", "เปิดเผย", "ผู้หญิง"),
        ("15", "16", "17", "21", "22"),
        (
            ("กระทรวงการพัฒนาสังคมและความเสมอภาค", "Ministry of Social Development and Equality"),
            ("กระทรวงการบริหารราชการและยุติธรรม", "Ministry of Public Administration and Justice"),
        ),
        (
            ("พัฒนาชุมชน", "Community Development"),
            ("ส่งเสริมการมีส่วนร่วมของประชาชน", "Public Participation"),
            ("กิจการสตรีและสถาบันครอบครัว", "Women's Affairs and Family"),
            ("คุ้มครองสิทธิและเสรีภาพ", "Rights and Liberties Protection"),
            ("การปกครองส่วนภูมิภาค", "Provincial Administration"),
        ),
        (
            ("การรับฟังความคิดเห็นของประชาชน", "public consultations"),
            ("เครือข่ายภาคประชาสังคม", "civil society networks"),
            ("การเปิดเผยข้อมูลภาครัฐต่อสาธารณะ", "public disclosure of government information"),
            ("การบูรณาการงานแบบทีมประเทศไทย", "Team Thailand integration"),
            ("ความเสมอภาคระหว่างเพศ", "gender equality"),
            ("การต่อต้านการทุจริตในภาครัฐ", "anti-corruption in the public sector"),
        ),
    ),
)
THEME_KEYS = tuple(theme.key for theme in THEMES)
# The themes of the ministries, in the order they are created (a small tree gets the first ones).
MINISTRY_ORDER = ("diplomacy", "security", "trade", "health", "digital", "education", "innovation", "environment")
MINISTRY_ORDER += ("participation",)
# Themes whose projects often name partner countries.
INTERNATIONAL_THEMES = frozenset({"diplomacy", "trade", "security", "health", "education"})
PARTNER_COUNTRIES = ("US", "CN", "JP", "KR", "IN", "AU", "VN", "LA", "KH", "MM", "MY", "SG", "ID", "PH", "FR", "DE")

ACTIONS = (
    ("เสริมสร้างความร่วมมือด้าน", "Strengthening cooperation on"),
    ("พัฒนาศักยภาพบุคลากรด้าน", "Building staff capacity in"),
    ("ยกระดับ", "Upgrading"),
    ("ส่งเสริม", "Promoting"),
    ("ขับเคลื่อน", "Advancing"),
    ("ประชุมเชิงปฏิบัติการว่าด้วย", "Workshop on"),
    ("ศึกษาแนวทางพัฒนา", "Study on improving"),
    ("ติดตามและประเมินผล", "Monitoring and evaluation of"),
    ("บูรณาการ", "Integrating"),
    ("ฝึกอบรมเจ้าหน้าที่ด้าน", "Training officials in"),
    ("สร้างความตระหนักรู้เรื่อง", "Raising awareness of"),
)
QUALIFIERS = (
    ("", ""),
    ("", ""),
    (" ในกรอบอาเซียน", " in the ASEAN framework"),
    (" กับประเทศเพื่อนบ้าน", " with neighbouring countries"),
    (" ในพื้นที่ชายแดน", " in border areas"),
    (" ในอนุภูมิภาคลุ่มแม่น้ำโขง", " in the Mekong subregion"),
    (" ระดับจังหวัด", " at provincial level"),
    (" แบบบูรณาการ", " (integrated approach)"),
    (" ในจังหวัดชายแดนภาคใต้", " in the southern border provinces"),
    (" ร่วมกับภาคเอกชน", " with the private sector"),
    (" ระยะที่ 2", ", phase 2"),
    (" ระยะที่ 3", ", phase 3"),
)
OBJECTIVE_VERBS = (
    "เสริมสร้างขีดความสามารถด้าน",
    "ลดปัญหาและอุปสรรคด้าน",
    "สร้างเครือข่ายความร่วมมือด้าน",
    "ยกระดับมาตรฐานการดำเนินงานด้าน",
    "ผลักดันให้เกิดความก้าวหน้าด้าน",
    "พัฒนาองค์ความรู้และฐานข้อมูลด้าน",
)
RESULTS = (
    "จัดประชุมหารือเรื่อง{subject} {n} ครั้ง มีผู้เข้าร่วม {people} คน จาก {agencies} หน่วยงาน",
    "ฝึกอบรมเจ้าหน้าที่ด้าน{subject} แล้ว {people} คน คิดเป็นร้อยละ {share} ของเป้าหมายทั้งปี",
    "ดำเนินกิจกรรมด้าน{subject}ในพื้นที่{province} ตามแผนปฏิบัติงานไตรมาส {quarter}",
    "จัดทำรายงานสรุปผลด้าน{subject} เสนอผู้บริหารพิจารณาแล้ว {n} ฉบับ",
    "ลงนามบันทึกความเข้าใจด้าน{subject} กับหน่วยงานหุ้นส่วน {n} ฉบับ",
    "ลงพื้นที่ติดตามการดำเนินงานด้าน{subject} ใน{province} และรับฟังความคิดเห็นของผู้มีส่วนได้ส่วนเสีย {people} คน",
    "พัฒนาระบบฐานข้อมูลเพื่อติดตาม{subject} แล้วเสร็จร้อยละ {share}",
)
PROBLEMS = (
    "การเบิกจ่ายล่าช้าเนื่องจากขั้นตอนการจัดซื้อจัดจ้าง",
    "หน่วยงานหุ้นส่วนขอเลื่อนการประชุมออกไป",
    "ขาดแคลนบุคลากรที่มีความเชี่ยวชาญเฉพาะด้าน",
    "สถานการณ์ในพื้นที่ไม่เอื้ออำนวยต่อการจัดกิจกรรม",
    "ได้รับจัดสรรงบประมาณล่าช้ากว่าแผน",
    "ต้องปรับแผนการดำเนินงานตามข้อสั่งการของผู้บริหาร",
)
RECOMMENDATIONS = (
    "ควรเร่งรัดการเบิกจ่ายในไตรมาสถัดไป",
    "ควรประสานหน่วยงานที่เกี่ยวข้องล่วงหน้าเพื่อลดความล่าช้า",
    "ควรจัดสรรงบประมาณอย่างต่อเนื่องเพื่อรักษาผลสัมฤทธิ์",
    "ควรขยายผลการดำเนินงานไปยังพื้นที่อื่น",
    "ควรพัฒนาระบบติดตามผลร่วมกับหน่วยงานหุ้นส่วน",
)
REPORT_RETURN_REASONS = (
    "ผลการดำเนินงานไม่สอดคล้องกับตัวชี้วัด โปรดทบทวน",
    "ตัวเลขการเบิกจ่ายไม่ตรงกับระบบบัญชี โปรดตรวจสอบ",
    "โปรดแนบเอกสารหลักฐานประกอบผลการดำเนินงาน",
    "ความก้าวหน้าร้อยละสูงกว่าผลการเบิกจ่ายมาก โปรดชี้แจง",
)
PROJECT_RETURN_REASONS = (
    "โปรดระบุค่าเป้าหมายเชิงผลลัพธ์ให้ชัดเจน",
    "แผนการเบิกจ่ายรายเดือนไม่สอดคล้องกับกิจกรรม",
    "โปรดทบทวนความเชื่อมโยงกับเป้าหมายของแผนแม่บท",
)
FIRST_NAMES = ("สมศรี", "สมชาย", "สมหญิง", "สมปอง", "สมหมาย", "สมพร", "สมนึก", "สมศักดิ์", "สมทรง", "สมคิด", "สมบูรณ์")
SURNAMES = ("ตัวอย่างสังเคราะห์", "ตัวอย่างทดสอบ", "ตัวอย่างจำลอง")
POSITIONS = (
    "นักวิเคราะห์นโยบายและแผนชำนาญการ",
    "นักวิเคราะห์นโยบายและแผนชำนาญการพิเศษ",
    "นักการทูตชำนาญการ",
    "นักวิชาการคอมพิวเตอร์ชำนาญการ",
    "ผู้อำนวยการกอง",
)
DIVISION_FUNCTIONS = (
    ("นโยบายและแผน", "Policy and Planning"),
    ("บริหารงานทั่วไป", "General Administration"),
    ("ความร่วมมือระหว่างประเทศ", "International Cooperation"),
    ("ติดตามและประเมินผล", "Monitoring and Evaluation"),
    ("กฎหมาย", "Legal Affairs"),
    ("การคลังและพัสดุ", "Finance and Procurement"),
    ("เทคโนโลยีสารสนเทศ", "Information Technology"),
    ("พัฒนาระบบบริหาร", "Management Systems Development"),
    ("ตรวจสอบภายใน", "Internal Audit"),
    ("ประชาสัมพันธ์", "Public Relations"),
)
DIVISION_PREFIXES = (("กอง", "Division"), ("สำนัก", "Bureau"), ("ศูนย์", "Centre"))


# --------------------------------------------------------------------------------------------------- summary


@dataclass
class SynthSummary:
    """What one `synth_generate` run wrote (rows per table), deleted first (`--replace`), and how long it took."""

    seed: int
    projects: int
    fiscal_years: tuple[int, int]
    counts: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rollups: str = ""

    @property
    def projects_per_minute(self) -> float:
        return self.projects * 60 / self.seconds if self.seconds > 0 else 0.0

    def add(self, model: type[models.Model], rows: int) -> None:
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + rows


def synth_project_prefix(seed: int) -> str:
    return f"SYN{seed}-"


def synth_org_prefix(seed: int) -> str:
    return f"syn{seed}-"


# --------------------------------------------------------------------------------------------------- arguments


def parse_fiscal_years(text: str) -> tuple[int, int]:
    """`2566-2568` (or `2567`, Thai digits, an en dash) → (2566, 2568); ValueError with a Thai / English message."""
    try:
        first, last = thaicalendar.parse_period(str(text))
    except ValueError:
        parts = re.fullmatch(r"([0-9]{4})\s*[-–—−]\s*([0-9]{4})", thaicalendar.to_arabic_digits(str(text).strip()))
        if parts and int(parts[1]) > int(parts[2]) >= 2400:
            parts = parts.groups()
            raise ValueError(
                bilingual(
                    f"ปีแรก {parts[0]} อยู่หลังปีสุดท้าย {parts[1]} ให้เขียนปีน้อยก่อน เช่น {parts[1]}-{parts[0]}",
                    f"the first year {parts[0]} is after the last year {parts[1]}; "
                    f"write the earlier year first, e.g. {parts[1]}-{parts[0]}",
                )
            ) from None
        raise ValueError(
            bilingual(
                f"{text!r} ไม่ใช่ช่วงปีงบประมาณ พ.ศ. เช่น 2566-2568",
                f"{text!r} is not a range of Buddhist Era fiscal years such as 2566-2568",
            )
        ) from None
    if last - first + 1 > MAX_YEARS:
        raise ValueError(
            bilingual(
                f"ช่วงปีงบประมาณต้องไม่เกิน {MAX_YEARS} ปี",
                f"a range of fiscal years may span at most {MAX_YEARS} years",
            )
        )
    return first, last


def _check_arguments(projects: int, fiscal_years: tuple[int, int], seed: int) -> None:
    errors = {}
    if isinstance(projects, bool) or not isinstance(projects, int) or projects < 1:
        errors["projects"] = [bilingual("ต้องเป็นจำนวนเต็มตั้งแต่ 1", "must be a whole number of at least 1")]
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        errors["seed"] = [bilingual("ต้องเป็นจำนวนเต็มตั้งแต่ 0", "must be a whole number of at least 0")]
    first, last = fiscal_years
    if not (2400 <= first <= last and last - first < MAX_YEARS):
        errors["fiscal_years"] = [bilingual("ช่วงปีงบประมาณไม่ถูกต้อง", "invalid range of fiscal years")]
    if errors:
        fields = ", ".join(sorted(errors))
        raise ValidationFailed("invalid", bilingual(f"ค่าไม่ถูกต้อง: {fields}", f"Invalid arguments: {fields}"), errors)


# --------------------------------------------------------------------------------------------------- helpers

BANGKOK_OFFSET = timedelta(hours=7)  # Asia/Bangkok has kept UTC+7, without daylight saving, since 1920
DRAFT, SUBMITTED, APPROVED, ACCEPTED = S.DRAFT.value, S.SUBMITTED.value, S.APPROVED.value, S.ACCEPTED.value


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Bangkok wall-clock time on `day`, as a naive UTC datetime (`_time_converter` makes it storable)."""
    return datetime(day.year, day.month, day.day, hour, minute) - BANGKOK_OFFSET


def _month_starts(fiscal_year: int) -> list[date]:
    return [date(year, month, 1) for year, month in thaicalendar.fiscal_months(fiscal_year)]


def _last_day_of_next_month(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (first_of_next.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _block_picker(rng: random.Random, block: tuple) -> Iterator:
    """Yield the items of `block` in a fresh shuffled order, block after block."""
    while True:
        items = list(block)
        rng.shuffle(items)
        yield from items


def _next_id(model: type[models.Model]) -> int:
    """The first id never handed out yet: past the largest stored and past the table's sequence, so ids of deleted
    rows (e.g. of a `--replace`d run, which the audit log may still name) are not used again."""
    top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, model._meta.pk.column])
        else:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
    return max(top, row[0] if row else 0) + 1


def _theme_of(title: str, parent_title: str, master_plan: str) -> str | None:
    """The theme of a plan node: by a keyword of its title, else of its parent's title, else by its master plan."""
    for text in (title, parent_title):
        for theme in THEMES:
            if any(word in text for word in theme.keywords):
                return theme.key
    for theme in THEMES:
        if master_plan in theme.master_plans:
            return theme.key
    return None


class _Writer:
    """Buffers rows of one table and inserts them in bulk: `executemany` of one prepared INSERT on SQLite, `COPY` on
    PostgreSQL. A row gives the `columns` named here, in order; every other column gets its field's default.

    Why not `bulk_create`: building a model instance per row and compiling each value through the ORM took 80 % of
    the time (about 9,400 projects a minute on SQLite); this writer keeps the same column values and types at several
    times the speed. Values must be ready for the database: `time()` turns the generator's naive UTC datetimes into
    what the backend stores, dates and Decimals go as they are.
    """

    def __init__(self, model: type[models.Model], columns: tuple[str, ...]):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model._meta.label}: unknown columns {sorted(unknown)}")
        rest = [f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key]
        constants = []
        for f in rest:
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{model._meta.label}.{f.attname} has no default: give it a value")
            constants.append(f.get_db_prep_save(value, connection))
        self.constants = tuple(constants)
        names = [fields[c].column for c in columns] + [f.column for f in rest]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        table = connection.ops.quote_name(model._meta.db_table)
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            self.sql = f"COPY {table} ({quoted}) FROM STDIN"
        else:
            self.sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"  # noqa: S608
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row + self.constants)

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


def _time_converter():
    """How a naive UTC datetime is stored: text on SQLite (as Django writes it), an aware datetime on PostgreSQL."""
    if connection.vendor == "sqlite":
        return str
    return lambda moment: moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------------- deleting


def _seed_exists(seed: int) -> bool:
    return (
        Project.objects.filter(code__regex=f"^{synth_project_prefix(seed)}").exists()
        or Organisation.objects.filter(code__regex=f"^{synth_org_prefix(seed)}").exists()
    )


def _raw_delete(queryset: models.QuerySet) -> int:
    """DELETE the rows of `queryset` in one statement, without loading them (their dependants are gone already)."""
    model = queryset.model
    sql, params = queryset.values("pk").query.sql_with_params()
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk} IN ({sql})", params)  # noqa: S608 - names from the models
        return cursor.rowcount


def _delete_dependants(model: type[models.Model], ids: models.QuerySet) -> None:
    """Delete every row that points at the rows `ids` of `model` (reverse foreign keys and many-to-many links)."""
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            names = [f.name for f in through._meta.fields if f.is_relation and f.related_model is model]
            for name in names:
                through._base_manager.filter(**{f"{name}__in": ids}).delete()
        else:
            relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": ids}).delete()
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        through._base_manager.filter(**{f"{m2m.m2m_field_name()}__in": ids}).delete()


def _delete_seed(seed: int, summary: SynthSummary) -> None:
    """Delete the seed's projects (with their reports and every other row pointing at them) and organisations.

    Reports and projects are deleted with one statement each once their dependants are gone: Django's cascade would
    load every one of a million reports into memory first.
    """
    projects = Project.objects.filter(code__regex=f"^{synth_project_prefix(seed)}")
    project_ids = projects.values("pk")
    reports = ProgressReport.objects.filter(project__in=project_ids)
    summary.deleted[ReportDisbursement._meta.label] = ReportDisbursement.objects.filter(report__in=reports).count()
    _delete_dependants(ProgressReport, reports.values("pk"))
    summary.deleted[ProgressReport._meta.label] = _raw_delete(reports)
    _delete_dependants(Project, project_ids)
    summary.deleted[Project._meta.label] = _raw_delete(projects)
    organisations = Organisation.objects.filter(code__regex=f"^{synth_org_prefix(seed)}")
    deleted = 0
    for depth in sorted(set(organisations.values_list("depth", flat=True)), reverse=True):
        deleted += organisations.filter(depth=depth).delete()[1].get(Organisation._meta.label, 0)
    summary.deleted[Organisation._meta.label] = deleted


def _ensure_plans() -> None:
    """Load the demo's organisations and plan frameworks when the National Strategy (`ns`) is missing."""
    from tidtam.core import demo
    from tidtam.core.reference import reference_load
    from tidtam.plans.models import Framework

    if not Province.objects.exists() or not Country.objects.exists():
        reference_load(Province, Country)
    if Framework.objects.filter(code="ns").exists():
        return
    loaded = demo.DemoSummary()
    demo._load_organisations(loaded)
    demo._load_frameworks(loaded)


# --------------------------------------------------------------------------------------------------- organisations


class _Owner(NamedTuple):
    pk: int
    code: str
    theme: str
    approvals: int  # length of the approval chain above it (as `workflow.services.approval_chain` counts it)


class _Org(NamedTuple):
    pk: int
    code: str
    path: str
    depth: int
    approval_levels: int | None


def _organisations(rng: random.Random, seed: int, projects: int, first: int, summary: SynthSummary) -> list[_Owner]:
    """Write the seed's ministry → department → division tree; return the possible project owners."""
    total = max(20, round(projects / 50))
    by_key = {t.key: t for t in THEMES}
    ministry_names = [(by_key[k], n) for i in range(3) for k in MINISTRY_ORDER for n in by_key[k].ministries[i : i + 1]]
    n_ministries = max(2, min(len(ministry_names), round(total / 12)))
    n_departments = max(2 * n_ministries, round((total - n_ministries) / 7))
    n_divisions = max(0, total - n_ministries - n_departments)
    prefix = synth_org_prefix(seed)
    next_pk = _next_id(Organisation)
    stamp = _time_converter()(_at(thaicalendar.fiscal_year_bounds(first)[0] - timedelta(days=90), 8))
    writer = _Writer(
        Organisation,
        ("id", "code", "name_th", "name_en", "kind", "parent_id", "path", "depth", "approval_levels")
        + ("created_at", "updated_at"),
    )
    owners: list[_Owner] = []

    def add(code: str, name_th: str, name_en: str, kind: str, parent: _Org | None, levels=None) -> _Org:
        nonlocal next_pk
        # As `organisations.services._placement` places it.
        path, depth = (f"/{code}/", 1) if parent is None else (f"{parent.path}{code}/", parent.depth + 1)
        org = _Org(next_pk, code, path, depth, levels)
        parent_pk = parent.pk if parent else None
        writer.add((next_pk, code, name_th, name_en, kind, parent_pk, path, depth, levels, stamp, stamp))
        next_pk += 1
        return org

    ministries = []
    for m in range(n_ministries):
        theme, (name_th, name_en) = ministry_names[m]
        levels = 2 if m % 3 == 1 else None  # some ministries approve their divisions' work at two levels
        org = add(f"{prefix}{m + 1:02d}", name_th, name_en, OrganisationKind.MINISTRY.value, None, levels)
        ministries.append((org, theme))
    departments = []
    for d in range(n_departments):
        ministry, theme = ministries[d % n_ministries]
        index = d // n_ministries
        if index == 0:
            name_th, name_en = "สำนักงานปลัดกระทรวง", "Office of the Permanent Secretary"
        else:
            pool = list(theme.departments) + [p for t in THEMES if t is not theme for p in t.departments]
            topic_th, topic_en = pool[(index - 1) % len(pool)]
            name_th, name_en = f"กรม{topic_th}", f"Department of {topic_en}"
            cycle = (index - 1) // len(pool)
            if cycle:
                name_th, name_en = f"{name_th} เขต {cycle + 1}", f"{name_en}, Region {cycle + 1}"
        org = add(f"{ministry.code}-{index + 1:02d}", name_th, name_en, OrganisationKind.DEPARTMENT.value, ministry)
        departments.append((org, theme, 2 if ministry.approval_levels == 2 else 1))
        owners.append(_Owner(org.pk, org.code, theme.key, 1))
    order = list(range(n_departments))
    rng.shuffle(order)
    used: dict[int, int] = {}
    for v in range(n_divisions):
        department, theme, approvals = departments[order[v % n_departments]]
        index = used.get(department.pk, 0)
        used[department.pk] = index + 1
        functions = list(DIVISION_FUNCTIONS) + list(theme.departments)
        function_th, function_en = functions[index % len(functions)]
        kind_th, kind_en = DIVISION_PREFIXES[(index // len(functions) + v) % len(DIVISION_PREFIXES)]
        name_th, name_en = f"{kind_th}{function_th}", f"{function_en} {kind_en}"
        if index >= len(functions):
            name_th, name_en = f"{name_th} {index // len(functions) + 1}", f"{name_en} {index // len(functions) + 1}"
        org = add(f"{department.code}-{index + 1:02d}", name_th, name_en, OrganisationKind.DIVISION.value, department)
        owners.append(_Owner(org.pk, org.code, theme.key, approvals))
    writer.flush()
    summary.add(Organisation, writer.count)
    return owners


# --------------------------------------------------------------------------------------------------- rounds


class _Round(NamedTuple):
    pk: int
    opens_on: date
    window_end: date  # the last day workflow events of its reports may fall on
    latest: bool
    months: tuple[date, ...]


def _rounds(first: int, last: int, summary: SynthSummary) -> dict[tuple[int, int], _Round]:
    """Create the missing quarterly rounds of the range; return every quarterly round of the range.

    Periods, opening days (the 15th of the quarter's last month) and deadlines (the end of the following month) are
    those the demo opens with `round_open`. The last round of the range stays open; rounds before it are closed.
    """
    in_range = ReportingRound.objects.filter(fiscal_year__gte=first, fiscal_year__lte=last, quarter__isnull=False)
    existing = {(r.fiscal_year, r.quarter): r for r in in_range}
    wanted = [(year, quarter) for year in range(first, last + 1) for quarter in (1, 2, 3, 4)]
    latest = wanted[-1]
    columns = ("id", "fiscal_year", "quarter", "period_start", "period_end", "opens_on", "deadline", "status")
    writer = _Writer(ReportingRound, columns + ("closed_at", "version", "created_at", "updated_at"))
    time_value = _time_converter()
    next_pk = _next_id(ReportingRound)
    result = {}
    for key in wanted:
        months = tuple(_month_starts(key[0])[(key[1] - 1) * 3 : key[1] * 3])
        round_ = existing.get(key)
        if round_ is not None:
            if round_.is_closed:
                closed_on = round_.closed_at.astimezone(BANGKOK).date() if round_.closed_at else None
                window_end = closed_on or round_.deadline + timedelta(days=30)
            else:
                window_end = round_.deadline if key == latest else round_.deadline + timedelta(days=30)
            result[key] = _Round(round_.pk, round_.opens_on, window_end, key == latest, months)
            continue
        period_start, period_end = thaicalendar.quarter_bounds(*key)
        opens_on, deadline = period_end.replace(day=15), _last_day_of_next_month(period_end)
        closed = key != latest
        closed_at = _at(deadline + timedelta(days=30), 17) if closed else None
        status = RoundStatus.CLOSED.value if closed else RoundStatus.OPEN.value
        created = _at(opens_on, 8)
        row = (next_pk, key[0], key[1], period_start, period_end, opens_on, deadline, status)
        writer.add(
            row
            + (
                time_value(closed_at) if closed_at else None,
                2 if closed else 1,
                time_value(created),
                time_value(closed_at or created),
            )
        )
        window_end = closed_at.date() if closed_at else deadline
        result[key] = _Round(next_pk, opens_on, window_end, key == latest, months)
        next_pk += 1
    writer.flush()
    summary.add(ReportingRound, writer.count)
    return result


# --------------------------------------------------------------------------------------------------- projects


class _Plan(NamedTuple):
    """The plan nodes projects link to, by theme."""

    primary: dict[str, list[tuple[int, str]]]  # theme → [(node pk, Thai title)] of `ns` targets and factors
    all_primary: list[tuple[int, str]]
    secondary: dict[str, list[int]]  # theme → action lines of `asean-us-poa`
    all_secondary: list[int]


def _plan() -> _Plan:
    current = Node.objects.filter(framework_version__is_current=True).select_related("framework_version", "parent")
    ns_nodes = [n for n in current.filter(framework_version__framework__code="ns") if n.is_target_or_factor()]
    if not ns_nodes:
        raise Conflict(
            "no_plan_targets",
            bilingual(
                "กรอบยุทธศาสตร์ชาติ (ns) ไม่มีเป้าหมายหรือปัจจัยให้โครงการเชื่อมโยง",
                "The National Strategy framework (ns) has no target or factor for projects to link to",
            ),
        )
    poa = current.filter(framework_version__framework__code="asean-us-poa")
    poa_nodes = sorted((n for n in poa if n.is_target_or_factor()), key=lambda n: n.tree_path)
    ns_nodes.sort(key=lambda n: n.tree_path)
    primary: dict[str, list[tuple[int, str]]] = {}
    for node in ns_nodes:
        codes = node.path_codes
        parent_title = node.parent.title_th if node.parent else ""
        theme = _theme_of(node.title_th, parent_title, codes[1] if len(codes) > 1 else "")
        primary.setdefault(theme or "", []).append((node.pk, node.title_th))
    secondary: dict[str, list[int]] = {}
    for node in poa_nodes:
        theme = _theme_of(node.title_th, node.parent.title_th if node.parent else "", "")
        secondary.setdefault(theme or "", []).append(node.pk)
    return _Plan(primary, [(n.pk, n.title_th) for n in ns_nodes], secondary, [n.pk for n in poa_nodes])


WORKFLOW_COLUMNS = ("status", "approvals_required", "approvals_done", "return_reason", "submitted_at", "approved_at")
WORKFLOW_COLUMNS += ("accepted_at", "returned_at", "version", "created_at", "updated_at")
PROJECT_COLUMNS = ("id", "code", "name_th", "name_en", "kind", "owner_id", "responsible_name", "responsible_position")
PROJECT_COLUMNS += ("responsible_email", "responsible_phone", "fiscal_year_start", "fiscal_year_end", "start_date")
PROJECT_COLUMNS += ("end_date", "rationale", "objectives", "output_target", "outcome_target", "lifecycle")
PROJECT_COLUMNS += ("is_illustrative", *WORKFLOW_COLUMNS)
REPORT_COLUMNS = ("id", "project_id", "round_id", "physical_progress", "results", "problems", "recommendations")
REPORT_COLUMNS += WORKFLOW_COLUMNS
PART_STAMPS = ("created_at", "updated_at")


class _Tables:
    """The writers of the per-project tables."""

    def __init__(self):
        self.projects = _Writer(Project, PROJECT_COLUMNS)
        self.budget_lines = _Writer(BudgetLine, ("project_id", "fiscal_year", "source", "amount", *PART_STAMPS))
        self.planned = _Writer(PlannedDisbursement, ("project_id", "month", "amount", *PART_STAMPS))
        self.contributions = _Writer(Contribution, ("project_id", "node_id", "is_primary", *PART_STAMPS))
        self.provinces = _Writer(Project.provinces.through, ("project_id", "province_id"))
        self.countries = _Writer(Project.countries.through, ("project_id", "country_id"))
        self.reports = _Writer(ProgressReport, REPORT_COLUMNS)
        self.disbursements = _Writer(ReportDisbursement, ("report_id", "month", "amount", *PART_STAMPS))
        self.all = (
            self.projects,
            self.budget_lines,
            self.planned,
            self.contributions,
            self.provinces,
            self.countries,
            self.reports,
            self.disbursements,
        )

    def flush(self) -> None:
        for writer in self.all:
            writer.flush()

    def count(self, summary: SynthSummary) -> None:
        for writer in self.all:
            summary.add(writer.model, writer.count)


class _Generator:
    """Builds the projects and their reports from one random stream, in the order of their codes."""

    def __init__(self, rng, seed, first, last, owners, rounds, plan, provinces, countries, tables):
        self.rng, self.seed, self.first, self.last = rng, seed, first, last
        self.owners = owners
        # Some owners run many projects, most a few: one random weight per owner.
        self.owner_weights = list(accumulate(rng.uniform(0.2, 3.0) for _ in owners))
        self.rounds, self.plan, self.t = rounds, plan, tables
        self.provinces = provinces  # [(code, Thai name)]
        self.province_weights = list(accumulate(6 if code == "10" else 1 for code, _ in provinces))
        self.countries = countries
        self.themes = {t.key: t for t in THEMES}
        self.project_states = _block_picker(rng, PROJECT_STATE_BLOCK)
        self.latest_states = _block_picker(rng, LATEST_REPORT_BLOCK)
        self.older_weights = [w for _, w in OLDER_REPORT_STATES]
        self.unlinked_at = 0
        self.months = {year: _month_starts(year) for year in range(first, last + 1)}
        self.next_project = _next_id(Project)
        self.next_report = _next_id(ProgressReport)
        self.years = last - first + 1
        self.time = _time_converter()
        self.prefix = synth_project_prefix(seed)

    def _owner(self) -> _Owner:
        return self.owners[bisect(self.owner_weights, self.rng.random() * self.owner_weights[-1])]

    def _linked(self, n: int) -> bool:
        """All but one project in each block of UNLINKED_BLOCK have a primary link."""
        if n % UNLINKED_BLOCK == 0:
            self.unlinked_at = self.rng.randrange(UNLINKED_BLOCK)
        return n % UNLINKED_BLOCK != self.unlinked_at

    def _years(self) -> tuple[int, int]:
        rng = self.rng
        duration = min(bisect(DURATION_WEIGHTS, rng.random() * 100) + 1, self.years)
        start = self.first + rng.randrange(self.years - duration + 1)
        return start, start + duration - 1

    # ------------------------------------------------------------------------------------------------- one project

    def project(self, n: int) -> None:
        rng, t = self.rng, self.t
        pk = self.next_project
        self.next_project += 1
        owner = self._owner()
        theme = self.themes[owner.theme] if rng.random() < 0.75 else self.themes[rng.choice(THEME_KEYS)]
        first_year, last_year = self._years()
        kind = ProjectKind.ROUTINE.value if rng.random() < 0.15 else ProjectKind.PROJECT.value
        subject_th, subject_en = rng.choice(theme.subjects)
        action_th, action_en = rng.choice(ACTIONS)
        qualifier_th, qualifier_en = rng.choice(QUALIFIERS)
        if kind == ProjectKind.ROUTINE:
            name_th = f"การดำเนินงานด้าน{subject_th}{qualifier_th}"
            name_en = f"Routine work on {subject_en}{qualifier_en}"
        else:
            name_th = f"โครงการ{action_th}{subject_th}{qualifier_th}"
            name_en = f"{action_en} {subject_en}{qualifier_en}"
        linked = self._linked(n)
        candidates = self.plan.primary.get(theme.key) or self.plan.all_primary
        node_pk, node_title = rng.choice(candidates) if rng.random() < 0.9 else rng.choice(self.plan.all_primary)
        other_th = rng.choice(theme.subjects)[0]
        verbs = rng.sample(OBJECTIVE_VERBS, 3)
        objectives = (
            f"1. เพื่อ{verbs[0]}{subject_th}{qualifier_th}\n2. เพื่อ{verbs[1]}{other_th}\n"
            f"3. เพื่อ{verbs[2]}{subject_th} ให้สอดคล้องกับเป้าหมาย “{node_title}”"
        )
        rationale = (
            f"ประเทศไทยให้ความสำคัญกับ{subject_th} ซึ่งเชื่อมโยงกับเป้าหมาย “{node_title}” ของแผนแม่บทภายใต้ยุทธศาสตร์ชาติ "
            f"และต้องอาศัยการทำงานร่วมกันด้าน{other_th}ของหลายหน่วยงาน (ข้อมูลสังเคราะห์เพื่อทดสอบระบบ ไม่ใช่ข้อมูลทางราชการ)"
        )
        start_date = thaicalendar.fiscal_year_bounds(first_year)[0] + timedelta(days=rng.randrange(0, 61))
        end_date = thaicalendar.fiscal_year_bounds(last_year)[1] - timedelta(days=rng.randrange(0, 21))
        created = _at(start_date - timedelta(days=rng.randrange(20, 76)), 9, rng.randrange(60))
        stamp = self.time(created)

        # ---- budget lines per fiscal year and source, and the plan per month (whole hundreds of baht)
        base = round(10 ** rng.uniform(5.3, 7.7), -4)  # 200 thousand – 50 million baht a year
        extras = [
            (source.value, rng.uniform(*share)) for source, chance, share in EXTRA_SOURCES if rng.random() < chance
        ]
        planned: dict[date, int] = {}
        first_month = start_date.replace(day=1)
        for year in range(first_year, last_year + 1):
            state_budget = int(round(base * rng.uniform(0.85, 1.15), -3))
            lines = [(BudgetSource.STATE_BUDGET.value, state_budget)]
            lines += [(source, int(round(state_budget * share, -3))) for source, share in extras]
            for source, amount in lines:
                t.budget_lines.add((pk, year, source, Decimal(amount), stamp, stamp))
            total = sum(amount for _, amount in lines)
            months = [m for m in self.months[year] if first_month <= m <= end_date]
            weights = [MONTH_WEIGHTS[(m.month - 10) % 12] * rng.uniform(0.7, 1.3) for m in months]
            scale = total / sum(weights)
            amounts = [int(round(w * scale, -2)) for w in weights]
            amounts[-1] = max(0, total - sum(amounts[:-1]))
            for month, amount in zip(months, amounts, strict=True):
                planned[month] = amount
                t.planned.add((pk, month, Decimal(amount), stamp, stamp))

        # ---- workflow and lifecycle ("today" is the deadline of the range's last round, after its last year)
        state = next(self.project_states)
        workflow = self._workflow(state, owner.approvals, created, PROJECT_RETURN_REASONS, version=1)
        pace = rng.uniform(0.6, 1.08)  # how well the project keeps to its plan
        if state in (DRAFT, RETURNED, SUBMITTED):
            lifecycle = Lifecycle.PLANNED.value if first_year == self.last else Lifecycle.ONGOING.value
        elif last_year == self.last and pace < 0.9:
            lifecycle = Lifecycle.ONGOING.value  # running late
        else:
            lifecycle = Lifecycle.CANCELLED.value if rng.random() < 0.02 else Lifecycle.COMPLETED.value
        t.projects.add(
            (
                pk,
                f"{self.prefix}{n + 1:06d}",
                name_th,
                name_en,
                kind,
                owner.pk,
                f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
                rng.choice(POSITIONS),
                f"{owner.code}@example.org",
                "0 2000 0000",
                first_year,
                last_year,
                start_date,
                end_date,
                rationale,
                objectives,
                f"ดำเนินกิจกรรมด้าน{subject_th}ครบตามแผน {rng.randrange(2, 13)} กิจกรรม",
                node_title,
                lifecycle,
                True,
                *workflow,
            )
        )

        # ---- plan links, provinces, countries
        if linked:
            t.contributions.add((pk, node_pk, True, stamp, stamp))
        if self.plan.all_secondary and (rng.random() < 0.2 or (not linked and rng.random() < 0.5)):
            pool = self.plan.secondary.get(theme.key) or self.plan.all_secondary
            for secondary in rng.sample(pool, min(len(pool), rng.randrange(1, 3))):
                t.contributions.add((pk, secondary, False, stamp, stamp))
        picked: dict[str, str] = {}
        for _ in range(rng.randrange(1, 4)):
            code, name = self.provinces[bisect(self.province_weights, rng.random() * self.province_weights[-1])]
            picked[code] = name
        for code in picked:
            t.provinces.add((pk, code))
        if self.countries and theme.key in INTERNATIONAL_THEMES and rng.random() < 0.5:
            for alpha2 in rng.sample(self.countries, min(len(self.countries), rng.randrange(1, 3))):
                t.countries.add((pk, alpha2))

        self._reports(pk, owner, state, (first_year, last_year), pace, lifecycle, planned, subject_th, picked)

    def _workflow(
        self, state: str, approvals: int, created: datetime, reasons, *, version: int, window_end: date | None = None
    ) -> tuple:
        """The WORKFLOW_COLUMNS of an item that reached `state` (at `version` before its first move), every move a
        few days after the one before (and not after `window_end`, when given), as `workflow_transition` moves it."""
        rng, time_value = self.rng, self.time
        if state == DRAFT:
            stamp = time_value(created)
            return (DRAFT, 1, 0, "", None, None, None, None, version, stamp, stamp)
        limit = _at(window_end, 16) if window_end is not None else None

        def later(moment: datetime, low: int, high: int) -> datetime:
            step = moment + timedelta(days=rng.randint(low, high), hours=rng.randrange(0, 6), minutes=rng.randrange(60))
            if limit is not None and step > limit:
                step = max(limit, moment + timedelta(minutes=5))
            return step

        submitted = later(created, 1, 12)
        if state == RETURNED:
            returned = later(submitted, 1, 6)
            moved = time_value(returned)
            reason = rng.choice(reasons)
            return (
                DRAFT,
                approvals,
                0,
                reason,
                time_value(submitted),
                None,
                None,
                moved,
                version + 2,
                time_value(created),
                moved,
            )
        if state == SUBMITTED:
            done = rng.randrange(approvals)
            moved = time_value(submitted)
            return (
                SUBMITTED,
                approvals,
                done,
                "",
                moved,
                None,
                None,
                None,
                version + 1 + done,
                time_value(created),
                moved,
            )
        approved = later(submitted, 1, 8)
        if state == APPROVED:
            moved = time_value(approved)
            return (
                APPROVED, approvals, approvals, "", time_value(submitted), moved, None, None,
                version + 1 + approvals, time_value(created), moved,
            )  # fmt: skip
        accepted = later(approved, 1, 14)
        moved = time_value(accepted)
        return (
            ACCEPTED, approvals, approvals, "", time_value(submitted), time_value(approved), moved, None,
            version + 2 + approvals, time_value(created), moved,
        )  # fmt: skip

    def _report_state(self, project_state: str, round_: _Round) -> str:
        """Accepted projects: the mix of the round (older rounds mostly accepted, the last round every state). Other
        projects: their reports never stand further along the chain than the project does."""
        rng = self.rng
        if project_state == ACCEPTED:
            if round_.latest:
                return next(self.latest_states)
            return OLDER_REPORT_STATES[bisect(self.older_weights, rng.random() * 100)][0]
        cap = _RANK[project_state]
        if cap == 0:
            return RETURNED if rng.random() < 0.1 else DRAFT
        if round_.latest and rng.random() < 0.4:
            return rng.choice((DRAFT, RETURNED, SUBMITTED))
        state = OLDER_REPORT_STATES[bisect(self.older_weights, rng.random() * 100)][0]
        return state if _RANK[state] <= cap else (APPROVED if cap == 2 else SUBMITTED)

    def _reports(self, pk, owner, project_state, years, pace, lifecycle, planned, subject, provinces) -> None:
        """One report per quarter of the project's years: created, filled in (version 2), then moved along."""
        rng, t, time_value = self.rng, self.t, self.time
        quarters = [(year, q) for year in range(years[0], years[1] + 1) for q in (1, 2, 3, 4)]
        finishing = lifecycle == Lifecycle.COMPLETED and pace > 0.85
        progress = 0.0
        province = " ".join(provinces.values())
        for k, key in enumerate(quarters, start=1):
            round_ = self.rounds[key]
            report_pk = self.next_report
            self.next_report += 1
            target = 100.0 * k / len(quarters)
            progress = min(100.0, max(progress, target * pace * rng.uniform(0.95, 1.05)))
            if finishing and k == len(quarters):
                progress = 100.0
            rate = min(1.0, pace * rng.uniform(0.85, 1.05))
            results = " ".join(
                line.format(
                    subject=subject,
                    n=rng.randrange(1, 6),
                    people=rng.randrange(15, 400),
                    agencies=rng.randrange(2, 15),
                    share=rng.randrange(40, 101),
                    province=province,
                    quarter=key[1],
                )
                for line in rng.sample(RESULTS, 2)
            )
            problems = rng.choice(PROBLEMS) if progress + 5 < target else ""
            state = self._report_state(project_state, round_)
            created = _at(round_.opens_on + timedelta(days=rng.randrange(0, 8)), 10, rng.randrange(60))
            workflow = self._workflow(
                state, owner.approvals, created, REPORT_RETURN_REASONS, version=2, window_end=round_.window_end
            )
            recommendation = rng.choice(RECOMMENDATIONS)
            t.reports.add(
                (report_pk, pk, round_.pk, Decimal(f"{progress:.2f}"), results, problems, recommendation, *workflow)
            )
            stamp = time_value(created)
            for month in round_.months:
                amount = int(round(planned.get(month, 0) * rate * rng.uniform(0.9, 1.0), -2))
                t.disbursements.add((report_pk, month, Decimal(amount), stamp, stamp))


# --------------------------------------------------------------------------------------------------- entry point


def _lock_and_reset_sequences(model_list, *, before: bool) -> None:
    """PostgreSQL: lock the tables whose ids are counted ahead (before), move their sequences past them (after)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if before:
            for model in model_list:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
        else:
            for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(sql)


def _analyze() -> None:
    """Refresh the planner's statistics: after millions of bulk rows, PostgreSQL would otherwise plan the roll-up and
    dashboard queries for empty tables (seen here: a 10k-project roll-up rebuild took 37 s instead of 2.6 s)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _generate(summary: SynthSummary, seed: int, projects: int, first: int, last: int, say, started: float) -> None:
    rng = random.Random(seed)
    owners = _organisations(rng, seed, projects, first, summary)
    rounds = _rounds(first, last, summary)
    plan = _plan()
    provinces = list(Province.objects.order_by("code").values_list("code", "name_th"))
    countries = sorted(Country.objects.filter(alpha2__in=PARTNER_COUNTRIES).values_list("alpha2", flat=True))
    tables = _Tables()
    generator = _Generator(rng, seed, first, last, owners, rounds, plan, provinces, countries, tables)
    say(
        f"หน่วยงานเจ้าของโครงการ {len(owners):,} แห่ง รอบรายงาน {len(rounds)} รอบ / {len(owners):,} owner organisations, "
        f"{len(rounds)} rounds; generating {projects:,} projects for FY {first}-{last} (seed {seed})"
    )
    for n in range(projects):
        generator.project(n)
        if (n + 1) % CHUNK_PROJECTS == 0 or n + 1 == projects:
            tables.flush()
            say(
                f"  {n + 1:,}/{projects:,} projects ({(n + 1) * 100 // projects}%), "
                f"{tables.reports.count:,} reports, {clock.perf_counter() - started:.1f} s"
            )
    tables.count(summary)


def synth_generate(
    *,
    projects: int,
    fiscal_years: tuple[int, int],
    seed: int,
    replace: bool = False,
    stdout: TextIO | None = None,
    rollups: bool = True,
) -> SynthSummary:
    """Generate `projects` synthetic projects with their reports over `fiscal_years` (BE, inclusive) from `seed`.

    Refuses (409 `synth_seed_exists`) when data of the seed exists, unless `replace` deletes it first. All or nothing.
    Then rebuilds the evaluation roll-ups, unless `rollups` is false.
    """
    _check_arguments(projects, fiscal_years, seed)
    first, last = fiscal_years
    summary = SynthSummary(seed=seed, projects=projects, fiscal_years=(first, last))
    started = clock.perf_counter()

    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(text + "\n")
            if hasattr(stdout, "flush"):
                stdout.flush()

    counted_ahead = (Organisation, ReportingRound, Project, ProgressReport)
    with transaction.atomic():
        _lock_and_reset_sequences(counted_ahead, before=True)
        if _seed_exists(seed):
            if not replace:
                raise Conflict(
                    "synth_seed_exists",
                    bilingual(
                        f"มีข้อมูลสังเคราะห์ของ seed {seed} อยู่แล้ว ใช้ --replace เพื่อลบแล้วสร้างใหม่",
                        f"Synthetic data of seed {seed} already exists; use --replace to delete and generate it again",
                    ),
                    {"seed": seed},
                )
            _delete_seed(seed, summary)
            say(f"ลบข้อมูลเดิมของ seed {seed} แล้ว / Deleted the earlier data of seed {seed}: {summary.deleted}")
        _ensure_plans()
        _generate(summary, seed, projects, first, last, say, started)
        _lock_and_reset_sequences(counted_ahead, before=False)
    summary.seconds = clock.perf_counter() - started
    _analyze()
    if rollups:
        rollups_rebuild(stdout=stdout)
    summary.rollups = "rebuilt" if rollups else "skipped (--no-rollups)"
    return summary
