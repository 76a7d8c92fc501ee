"""The words the source systems use: skills in each system's spelling, job titles, courses, reasons.

Every skill spelling in `SKILLS` is an alias in `dbt_project/seeds/skill_taxonomy.csv` (a unit test
holds them to it), so the pipeline can map each one to its canonical skill; `UNKNOWN_SKILLS` are
real skills the taxonomy does not know (the `unknown_skill` defect), and a unit test holds them out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skill:
    canonical: str
    ats: str  # how the ATS (and the candidates filling in its form) usually spell it
    hris: str  # the HRIS catalogue's name for it (a Danish/German HR system)
    variants: tuple[str, ...] = ()  # other spellings met in the wild: the `skill_variant` defect
    soft: bool = False


SKILLS = (
    Skill("python", "Python", "Python 3", ("python3", "Py")),
    Skill("sql", "SQL", "SQL", ("PostgreSQL", "T-SQL")),
    Skill("excel", "Excel", "Microsoft Excel", ("MS Excel",)),
    Skill("java", "Java", "Java"),
    Skill("javascript", "JavaScript", "Java Script", ("JS",)),
    Skill("data_analysis", "Data analysis", "Dataanalyse", ("Data analytics",)),
    Skill("power_bi", "Power BI", "Power BI", ("PowerBI",)),
    Skill("sap", "SAP", "SAP ERP"),
    Skill("git", "Git", "Git", ("GitHub",)),
    Skill("accounting", "Accounting", "Regnskab"),
    Skill("bookkeeping", "Bookkeeping", "Bogføring", ("Book keeping", "Buchhaltung")),
    Skill("sales", "Sales", "Salg", ("Vertrieb",)),
    Skill("negotiation", "Negotiation", "Forhandling", ("Negotiating",)),
    Skill("project_management", "Project management", "Projektledelse", ("Projektmanagement",)),
    Skill("payroll", "Payroll", "Lohnabrechnung"),
    Skill("logistics", "Logistics", "Logistik"),
    Skill("budgeting", "Budgeting", "Budgeting", ("Budget planning",)),
    Skill("recruiting", "Recruiting", "Recruitment"),
    Skill("communication", "Communication", "Kommunikation", ("communication skills",), soft=True),
    Skill("teamwork", "Teamwork", "Samarbejde", ("team player", "Teamarbeit"), soft=True),
    Skill("leadership", "Leadership", "Ledelse", ("Führung",), soft=True),
    Skill("problem_solving", "Problem solving", "Problemløsning", ("problem-solving",), soft=True),
    Skill("customer_service", "Customer service", "Kundeservice", ("Customer care", "Kundenservice"), soft=True),
    Skill("time_management", "Time management", "Time management", soft=True),
    Skill("adaptability", "Adaptability", "Adaptability", ("Flexibility",), soft=True),
)
# Real tools and skills people list that the taxonomy does not know: the `unknown_skill` defect.
UNKNOWN_SKILLS = ("COBOL", "SAP ABAP", "Kanban coaching", "Lotus Notes", "AutoCAD", "Tableau", "Six Sigma", "SPSS",
                  "Gabelstaplerschein", "Truckkørekort", "Salesforce CRM", "Lean management")
SKILL_INDEX = {s.canonical: i for i, s in enumerate(SKILLS)}
SOFT_SKILLS = tuple(i for i, s in enumerate(SKILLS) if s.soft)

# Technical and domain skills a job family asks for and its applicants bring.
FAMILY_SKILLS = {
    "engineering": ("python", "sql", "java", "javascript", "git", "data_analysis"),
    "sales": ("sales", "negotiation", "excel", "power_bi", "project_management"),
    "customer_service": ("excel", "sap", "sales", "logistics"),
    "operations": ("logistics", "sap", "excel", "project_management", "budgeting"),
    "finance": ("accounting", "bookkeeping", "excel", "budgeting", "sap", "power_bi"),
    "hr": ("recruiting", "payroll", "excel", "project_management", "data_analysis"),
}
DEPARTMENT_OF_FAMILY = {
    "engineering": "Technology", "sales": "Commercial", "customer_service": "Customer Care",
    "operations": "Operations", "finance": "Finance", "hr": "People & Culture",
}
JOB_TITLES = {
    "engineering": ("Backend-Entwickler (m/w/d)", "Softwareudvikler", "Data Engineer", "Systemutvikler"),
    "sales": ("Key Account Manager", "Vertriebsmitarbeiter (m/w/d)", "Sælger", "Salgskonsulent"),
    "customer_service": ("Kundeservicemedarbejder", "Kundenberater (m/w/d)", "Kundebehandler", "Support Agent"),
    "operations": ("Lagerkoordinator", "Logistikplaner", "Driftsleder", "Einkäufer (m/w/d)"),
    "finance": ("Bogholder", "Finanzbuchhalter (m/w/d)", "Controller", "Økonomimedarbeider"),
    "hr": ("HR-Partner", "Personalreferent (m/w/d)", "Rekrutteringskonsulent", "Lønkonsulent"),
}
# Course title and its usual length in hours.
COURSES = (
    ("Stresshåndtering i hverdagen", 3.5), ("Führung kompakt", 16.0), ("Excel for øvede", 7.5),
    ("Kommunikation i praksis", 7.0), ("Datenschutz (DSGVO) Grundlagen", 2.0), ("Arbeidsmiljø og HMS", 4.5),
    ("Projektmanagement nach PRINCE2", 24.0), ("Konfliktløsning", 6.0), ("Power BI für Einsteiger", 14.0),
    ("Erste Hilfe am Arbeitsplatz", 9.0), ("Forhandlingsteknik", 12.5), ("Zeitmanagement", 3.0),
)
VOLUNTARY_REASONS = ("new_job", "relocation", "career_change", "compensation", "workload")
INVOLUNTARY_REASONS = ("performance", "restructuring", "misconduct", "end_of_contract")

# What recruiters write in the free-text reason, per reason code (a mix of the firm's languages).
REASON_TEXTS = {
    "agrees_with_ai": ("Enig med screeningen.", "Passt zum Profil.", "Agree with the screening."),
    "communication": ("Stærk kommunikation i telefonsamtalen.", "Sehr gute Kommunikation im Vorgespräch.",
                      "Weak communication, several follow-ups needed.", "Kundenorientiert, überzeugt am Telefon."),
    "experience_mismatch": ("Erfaring passer ikke til stillingen.", "Zu wenig Berufserfahrung für die Rolle.",
                            "Overqualified, will leave soon."),
    "skills_gap": ("Mangler de tekniske kompetencer.", "Fachliche Lücken beim Test.", "Skills gap in the case task."),
    "culture_add": ("God kulturel tilføjelse til teamet.", "Passt nicht ins Team.", "Not a fit for the team."),
    "other": ("Se noter i systemet.", "Rücksprache mit Fachbereich.", "Internal reference."),
}
# How recruiters add contact details to a reason (`pii_in_free_text`); filled with a phone or an e-mail.
PII_PHONE_TEMPLATES = (" Ringede på {}.", " Called him on {}.", " Rückruf unter {}.")
PII_EMAIL_TEMPLATES = (" cc {}", " Sendt videre til {}.", " Bitte {} in Kopie setzen.")
