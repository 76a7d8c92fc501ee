"""Only the fairness audit reads the `protected` schema: a scan of the project's shipped Python and dbt SQL.

What counts as a read and what as a write (docs/monitoring.md, "The fairness audit"):
- dbt models, macros and tests only read: any `protected.<table>` or `source('protected', ...)` in their SQL
  (outside comments) is a read.
- In Python, a mention is a string naming the schema: a literal containing `protected.<table>` (or
  `protected.{...}`), or the bare schema name `"protected"` iterated as a schema. A mention is a write when it is
  the target of a write statement (CREATE TABLE, INSERT INTO, DELETE FROM, UPDATE, ALTER TABLE, DROP TABLE) and
  the statement names no other protected table (a write may consult its own target, as the loader's
  de-duplication and retention's superseded versions do). A table name handed to a function of the same module,
  or iterated by a loop, is followed to the statements that use it. A name handed to an audit record (`Removal`)
  is a label. Anything else is a read: allowed only in the audit's modules (`READERS`).
Tests are outside the scan: they check what the loader, erasure and retention wrote, and recompute the audit.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON_DIRS = ("hr_pipeline", "benchmarks")
DBT_DIRS = ("dbt_project/models", "dbt_project/macros", "dbt_project/tests", "dbt_project/analyses",
            "dbt_project/snapshots")
READERS = ("hr_pipeline/monitoring/fairness.py", "hr_pipeline/monitoring/fairness_audit.py")
LABELS = ("Removal",)  # records that name a table they wrote, not SQL

SCHEMA = "protected"
MENTION = re.compile(rf"\b{SCHEMA}\.(?=[\w{{])")
BARE_NAME = re.compile(rf"^{SCHEMA}(\.[\w{{}}.]*)?$")
WRITE = re.compile(r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                   r"|INSERT\s+(?:OR\s+\w+\s+)?INTO\s+|DELETE\s+FROM\s+|UPDATE\s+|ALTER\s+TABLE\s+"
                   r"|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?)(?P<target>[\w.{}\[\]'\"]+)", re.IGNORECASE)
DBT_READ = re.compile(rf"\b{SCHEMA}\.\w|source\(\s*['\"]{SCHEMA}['\"]")
DBT_COMMENT = re.compile(r"\{#.*?#\}|/\*.*?\*/|--[^\n]*", re.DOTALL)


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's with each placeholder as `{expression}`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                       for v in node.values)
    return None


def _writes_only(sql: str, name: str) -> bool:
    """Whether every statement of `sql` that names `name` writes to it and names no other protected table."""
    for statement in filter(str.strip, sql.split(";")):
        names = {m.group(0) for m in re.finditer(rf"{re.escape(name)}[\w.{{}}]*", statement)}
        if not names:
            continue
        target = WRITE.match(statement)
        if not target or not target.group("target").startswith(name) or names != {target.group("target")}:
            return False
    return True


def _uses_write_only(scope: ast.AST, variable: str, module: ast.Module) -> bool:
    """Whether every string built from `variable` in `scope` writes to it (followed into the module's functions)."""
    placeholder = "{" + variable
    for node in ast.walk(scope):
        text = _text(node)
        if text is not None and placeholder in text and not _writes_only(text, placeholder):
            return False
        if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id == variable for a in node.args):
            position = next(i for i, a in enumerate(node.args) if isinstance(a, ast.Name) and a.id == variable)
            if not _handed_on_write_only(node, position, module):
                return False
    return True


def _handed_on_write_only(call: ast.Call, position: int, module: ast.Module) -> bool:
    """A value passed as argument `position` of `call`: a label, or a function of the module that only writes it."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if name in LABELS:
        return True
    function = next((f for f in module.body if isinstance(f, ast.FunctionDef) and f.name == name), None)
    if function is None or position >= len(function.args.args):
        return False  # handed to code the scan cannot follow: a read
    return _uses_write_only(function, function.args.args[position].arg, module)


def _loop(node: ast.AST, parents: dict) -> tuple[ast.AST | None, list[str]]:
    """The loop (or comprehension) iterating over a literal, and its variables; (None, []) when not iterated."""
    holder = parents[node]
    while isinstance(holder, (ast.Tuple, ast.List, ast.IfExp)):
        holder = parents[holder]
    if not isinstance(holder, (ast.For, ast.comprehension)):
        return None, []
    scope = holder if isinstance(holder, ast.For) else parents[holder]
    return scope, [n.id for n in ast.walk(holder.target) if isinstance(n, ast.Name)]


def _mention_is_write(node: ast.AST, text: str, parents: dict, module: ast.Module) -> bool:
    if not BARE_NAME.match(text):  # a statement
        return _writes_only(text, f"{SCHEMA}.")
    scope, variables = _loop(node, parents)
    if scope is not None:
        return all(_uses_write_only(scope, variable, module) for variable in variables)
    holder = parents[node]
    if isinstance(holder, ast.Call) and node in holder.args:
        return _handed_on_write_only(holder, holder.args.index(node), module)
    return False


def _schema_used(node: ast.AST, parents: dict) -> bool:
    """Whether a bare `"protected"` names the schema: iterated into `{variable}.table`, or not iterated at all
    (then assume it does); a word iterated for another use (a flag's label) does not."""
    scope, variables = _loop(node, parents)
    return scope is None or any("{" + v + "}." in (_text(n) or "") for n in ast.walk(scope) for v in variables)


def python_reads(path: Path, relative: str) -> list[str]:
    module = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: parent for parent in ast.walk(module) for child in ast.iter_child_nodes(parent)}
    docstrings = {n.body[0].value for n in ast.walk(module)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    reads = []
    for node in ast.walk(module):
        text = _text(node)
        if text is None or node in docstrings or isinstance(parents.get(node), ast.JoinedStr):
            continue
        if not (MENTION.search(text) or (text == SCHEMA and _schema_used(node, parents))):
            continue
        if not _mention_is_write(node, text, parents, module):
            reads.append(f"{relative}:{node.lineno}: {text.strip()[:80]!r}")
    return reads


def protected_reads(root: Path) -> list[str]:
    """Every read of the protected schema under `root` outside the audit's modules."""
    reads = []
    for folder in PYTHON_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative not in READERS:
                reads += python_reads(path, relative)
    for folder in DBT_DIRS:
        for path in sorted((root / folder).rglob("*.sql")) if (root / folder).exists() else ():
            sql = DBT_COMMENT.sub("", path.read_text(encoding="utf-8"))
            reads += [f"{path.relative_to(root).as_posix()}: {m.group(0)!r}" for m in DBT_READ.finditer(sql)]
    return reads


def _copy(tmp_path: Path) -> Path:
    for folder in PYTHON_DIRS:
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in DBT_DIRS:
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_only_the_fairness_audit_reads_the_protected_schema():
    assert protected_reads(ROOT) == []


def test_the_audit_reads_it_and_the_loader_erasure_and_retention_write_it():
    # The scan sees the reader and the writers: the rule is not passing because it finds nothing.
    assert python_reads(ROOT / READERS[0], READERS[0])
    for writer in ("hr_pipeline/ingest/loader.py", "hr_pipeline/privacy/erasure.py",
                   "hr_pipeline/privacy/retention.py"):
        source = (ROOT / writer).read_text(encoding="utf-8")
        assert MENTION.search(source) or f'"{SCHEMA}"' in source, writer


def test_the_rule_fails_when_a_dbt_model_reads_it(tmp_path):
    root = _copy(tmp_path)
    (root / "dbt_project/models/marts/candidate_groups.sql").write_text(
        "-- protected.ats_candidates in a comment is no read\n"
        "select candidate_id, ethnicity from protected.ats_candidates\n")
    (root / "dbt_project/models/marts/via_source.sql").write_text(
        "select * from {{ source('protected', 'hris_employees') }}\n")
    reads = protected_reads(root)
    assert len(reads) == 2
    assert any("candidate_groups.sql" in r for r in reads) and any("via_source.sql" in r for r in reads)


def test_the_rule_fails_when_python_reads_it_and_passes_writes(tmp_path):
    root = _copy(tmp_path)
    (root / "hr_pipeline/ml/peek.py").write_text('''
def by_table(con):
    return con.table("protected.ats_candidates").df()

def by_query(con, contract):
    return con.execute(f"SELECT ethnicity FROM protected.{contract.table}").df()

def by_copy(con):
    con.execute("CREATE TABLE ml.groups AS SELECT * FROM protected.ats_candidates")

def by_schema(con):
    for schema in ("raw", "protected"):
        con.execute(f"SELECT count(*) FROM {schema}.ats_candidates")

def by_helper(con):
    return _count(con, "protected.hris_employees")

def _count(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()
''')
    (root / "hr_pipeline/ingest/more_writes.py").write_text('''
def writes(con, contract):
    con.execute(f"CREATE TABLE IF NOT EXISTS protected.{contract.table} (candidate_id VARCHAR)")
    con.execute("DELETE FROM protected.ats_candidates WHERE candidate_id IN (SELECT id FROM erased)")
    for schema in ("raw", "protected"):
        con.execute(f"UPDATE {schema}.{contract.table} SET gender = NULL")
    _prune(con, f"protected.{contract.table}")

def _prune(con, table):
    con.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE _row_number > 1)")
''')
    reads = protected_reads(root)
    assert all(r.startswith("hr_pipeline/ml/peek.py") for r in reads), reads
    assert len(reads) == 5, reads
