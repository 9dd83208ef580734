"""The default catalog a new agency starts with: four service lines and their everyday task types."""

from __future__ import annotations


def _req(title: str) -> dict:
    return {"title": title, "required": True}


def _opt(title: str) -> dict:
    return {"title": title, "required": False}


PERIOD = {"key": "period", "label": "Period (month end)", "type": "date", "required": True}

DEFAULT_CATALOG = [
    {
        "code": "BK",
        "name": "Bookkeeping",
        "description": "Keeping the books: reconciliations, payables and the monthly close.",
        "task_types": [
            {
                "name": "Month-end close",
                "description": "Close the month's books and send the management pack.",
                "priority": "high",
                "minutes": 240,
                "checklist": [
                    _req("Reconcile every bank account"),
                    _req("Post accruals and prepayments"),
                    _opt("Review aged debtors and creditors"),
                    _req("Produce the management accounts"),
                    _opt("Send the pack to the client"),
                ],
                "fields": [
                    PERIOD,
                    {
                        "key": "accounts_software",
                        "label": "Accounts software",
                        "type": "choice",
                        "required": False,
                        "choices": ["Xero", "QuickBooks", "Sage", "Other"],
                    },
                ],
            },
            {
                "name": "Bank reconciliation",
                "description": "Match the bank statement to the ledger.",
                "priority": "normal",
                "minutes": 60,
                "checklist": [_req("Import the statement"), _req("Match transactions"), _opt("Query unexplained items with the client")],
                "fields": [
                    PERIOD,
                    {"key": "statement_balance", "label": "Statement closing balance", "type": "money", "required": False},
                    {"key": "account_name", "label": "Bank account", "type": "text", "required": False},
                ],
            },
            {
                "name": "Accounts-payable batch",
                "description": "Enter supplier bills and prepare the payment run.",
                "priority": "normal",
                "minutes": 90,
                "checklist": [
                    _req("Enter supplier bills"),
                    _req("Check approvals"),
                    _opt("Prepare the payment file"),
                    _req("Client approved the payment run"),
                ],
                "fields": [
                    {"key": "payment_date", "label": "Payment date", "type": "date", "required": True},
                    {"key": "batch_total", "label": "Batch total", "type": "money", "required": False},
                    {"key": "bill_count", "label": "Number of bills", "type": "number", "required": False},
                ],
            },
        ],
    },
    {
        "code": "PR",
        "name": "Payroll",
        "description": "Paying people on time: payroll runs, starters and leavers.",
        "task_types": [
            {
                "name": "Payroll run",
                "description": "Calculate, check and submit one pay period.",
                "priority": "high",
                "minutes": 120,
                "checklist": [
                    _req("Collect hours, overtime and changes"),
                    _req("Calculate the payroll"),
                    _req("Client approved the payroll"),
                    _req("Submit to the tax authority"),
                    _opt("Send payslips"),
                ],
                "fields": [
                    {"key": "pay_date", "label": "Pay date", "type": "date", "required": True},
                    {"key": "headcount", "label": "Headcount", "type": "number", "required": False},
                    {"key": "gross_pay", "label": "Gross pay", "type": "money", "required": False},
                    {
                        "key": "frequency",
                        "label": "Pay frequency",
                        "type": "choice",
                        "required": True,
                        "choices": ["Weekly", "Fortnightly", "Monthly"],
                    },
                ],
            },
            {
                "name": "New-hire onboarding",
                "description": "Set up a new employee on the payroll.",
                "priority": "normal",
                "minutes": 45,
                "checklist": [
                    _req("Receive signed contract"),
                    _req("Collect tax and bank details"),
                    _opt("Set up pension enrolment"),
                    _req("Add to the payroll"),
                ],
                "fields": [
                    {"key": "employee_name", "label": "Employee name", "type": "text", "required": True},
                    {"key": "start_date", "label": "Start date", "type": "date", "required": True},
                    {"key": "annual_salary", "label": "Annual salary", "type": "money", "required": False},
                ],
            },
        ],
    },
    {
        "code": "RC",
        "name": "Recruitment",
        "description": "Finding people: job adverts, screening and offers.",
        "task_types": [
            {
                "name": "Job requisition",
                "description": "Recruit for one open role, from advert to accepted offer.",
                "priority": "normal",
                "minutes": 600,
                "checklist": [
                    _req("Agree the job description with the client"),
                    _req("Publish the advert"),
                    _opt("Screen applicants"),
                    _opt("Arrange interviews"),
                    _req("Offer accepted"),
                ],
                "fields": [
                    {"key": "role_title", "label": "Role", "type": "text", "required": True},
                    {"key": "openings", "label": "Openings", "type": "number", "required": False},
                    {"key": "salary_budget", "label": "Salary budget", "type": "money", "required": False},
                    {
                        "key": "employment_type",
                        "label": "Employment type",
                        "type": "choice",
                        "required": False,
                        "choices": ["Full-time", "Part-time", "Contract"],
                    },
                ],
            },
        ],
    },
    {
        "code": "CP",
        "name": "Compliance",
        "description": "Staying compliant: tax returns and statutory filings.",
        "task_types": [
            {
                "name": "Quarterly VAT return",
                "description": "Prepare and file the quarter's VAT return.",
                "priority": "high",
                "minutes": 120,
                "checklist": [
                    _req("Reconcile the VAT control account"),
                    _req("Prepare the return"),
                    _req("Client approved the return"),
                    _req("File the return"),
                    _opt("Tell the client the amount and payment date"),
                ],
                "fields": [
                    {"key": "period_end", "label": "Quarter end", "type": "date", "required": True},
                    {"key": "vat_due", "label": "VAT due", "type": "money", "required": False},
                    {
                        "key": "filing_type",
                        "label": "Filing type",
                        "type": "choice",
                        "required": True,
                        "choices": ["Standard", "Flat rate", "Cash accounting"],
                    },
                    {"key": "client_signed", "label": "Signed by the client", "type": "yes_no", "required": False},
                ],
            },
            {
                "name": "Annual report filing",
                "description": "File the annual accounts and confirmation statement.",
                "priority": "normal",
                "minutes": 180,
                "checklist": [
                    _req("Prepare the annual accounts"),
                    _req("Directors approved the accounts"),
                    _req("File with the registry"),
                    _opt("Send the filing receipt to the client"),
                ],
                "fields": [
                    {"key": "year_end", "label": "Financial year end", "type": "date", "required": True},
                    {
                        "key": "filing_type",
                        "label": "Filing type",
                        "type": "choice",
                        "required": True,
                        "choices": ["Micro-entity", "Small company", "Full accounts"],
                    },
                    {"key": "signed", "label": "Signed by a director", "type": "yes_no", "required": False},
                ],
            },
        ],
    },
]
