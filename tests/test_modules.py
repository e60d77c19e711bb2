"""The app's shape holds: one Frappe module per domain, each importing only downward, every record in
its module's folder, every dotted path that hooks and queues name resolvable, and dev tools out of the
runtime path. A stale import would otherwise surface only at `bench migrate`, which deletes a DocType
whose controller fails to import."""

import ast
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import frappe
import pytest

APP = Path(__file__).resolve().parents[1] / "bizlink"
# lowest first: a module may import those before it, never one after it
LAYERS = [
	"bizlink.bizlink",
	"bizlink.fulfilment",
	"bizlink.field_service",
	"bizlink.service",
	"bizlink.market_analysis",
	"bizlink.sales_crm",
]
SHARED = ("bizlink.exceptions", "bizlink.setup")  # below every domain
RUNTIME_SKIP = ("devtools", "commands", "patches", "__pycache__")


def python_files(root: Path):
	return [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]


def bizlink_imports(path: Path) -> set[str]:
	found = set()
	for node in ast.walk(ast.parse(path.read_text())):
		if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bizlink"):
			found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
		elif isinstance(node, ast.Import):
			found |= {alias.name for alias in node.names if alias.name.startswith("bizlink")}
	return found


def layer_of(name: str) -> int | None:
	for i, prefix in enumerate(LAYERS):
		if name == prefix or name.startswith(prefix + "."):
			return i
	return None


def test_modules_txt_names_a_folder_per_domain():
	modules = frappe.get_module_list("bizlink")
	assert modules == ["BizLink", "Sales CRM", "Service", "Field Service", "Fulfilment", "Market Analysis"]
	for module in modules:
		assert (APP / frappe.scrub(module) / "__init__.py").exists(), module


def test_every_bizlink_doctype_controller_imports():
	from frappe.modules import load_doctype_module

	doctypes = frappe.get_all("DocType", {"module": ("in", frappe.get_module_list("bizlink"))}, pluck="name")
	# Field Technician (+ its skills) and Field Sync Action: 0.5; Installation Target, Segment Campaign
	# (+ its sales people), Segment Campaign Customer and Visit Rating: 0.6; Knowledge Article (+ its
	# tickets) and Knowledge Deflection: 0.7
	assert len(doctypes) == 27
	for doctype in doctypes:
		assert load_doctype_module(doctype), doctype
		assert (
			frappe.get_meta(doctype).module
			== json.loads(
				(
					APP
					/ frappe.scrub(frappe.get_meta(doctype).module)
					/ "doctype"
					/ frappe.scrub(doctype)
					/ f"{frappe.scrub(doctype)}.json"
				).read_text()
			)["module"]
		)


def test_every_record_sits_in_its_modules_folder_and_the_site_agrees():
	kinds = {
		"doctype": "DocType",
		"report": "Report",
		"page": "Page",
		"print_format": "Print Format",
		"notification": "Notification",
		"number_card": "Number Card",
		"dashboard_chart": "Dashboard Chart",
		"workspace": "Workspace",
	}
	seen = 0
	for module in frappe.get_module_list("bizlink"):
		for kind, doctype in kinds.items():
			for path in (APP / frappe.scrub(module) / kind).glob("*/*.json"):
				record = json.loads(path.read_text())
				assert record["module"] == module, path
				assert frappe.db.get_value(doctype, record["name"], "module") == module, path
				seen += 1
	# reports + Visit Ratings, Campaign Results; notifications + Installation at Risk / Promise Broken;
	# number cards + Installations at Risk, Visit Rating (90 Days); knowledge: 3 DocTypes, the Deflection
	# Rate report, the Knowledge Search page
	assert seen == 27 + 11 + 3 + 1 + 11 + 11 + 5 + 5  # pages: Customer File, Dispatch Board, Knowledge Search


def test_every_dotted_path_in_hooks_resolves():
	paths = []

	def collect(value):
		if isinstance(value, str) and value.startswith("bizlink."):
			paths.append(value)
		elif isinstance(value, dict):
			for v in value.values():
				collect(v)
		elif isinstance(value, list | tuple):
			for v in value:
				collect(v)

	from bizlink import hooks

	for name in dir(hooks):
		if not name.startswith("_"):
			collect(getattr(hooks, name))
	assert len(paths) > 40
	for path in paths:
		try:
			assert frappe.get_attr(path), path
		except AttributeError:  # a module named as the prefix of handlers (hooks.FOLLOW_UP)
			assert importlib.import_module(path), path


def test_queued_methods_resolve():
	for path in python_files(APP):
		for node in ast.walk(ast.parse(path.read_text())):
			if (
				isinstance(node, ast.Constant)
				and isinstance(node.value, str)
				and node.value.startswith("bizlink.")
				and node.value.count(".") >= 2
				and " " not in node.value
			):
				if node.value.endswith((".py", ".json", ".js")):
					continue
				assert frappe.get_attr(node.value), f"{path}: {node.value}"


def test_scripts_name_only_python_that_exists():
	"""scripts/ and .ci/ run BizLink's Python by name (bench execute, heredocs); a module moved without
	them fails only in CI's lifecycle step."""
	import re

	root = APP.parent
	named = []
	for script in [*sorted((root / "scripts").iterdir()), root / ".ci" / "run"]:
		text = script.read_text()
		named += [
			(script.name, m)
			for m in re.findall(r"\bbizlink(?:\.[a-z_]+)+", text)
			if not m.endswith((".pth", ".test"))
		]
		for module, names in re.findall(r"from (bizlink[\w.]*) import ([\w, ]+)", text):
			named += [(script.name, f"{module}.{n.strip()}") for n in names.split(",")]
	assert any(path == "bizlink.devtools.lifecycle" for _, path in named)
	for script, path in named:
		try:
			importlib.import_module(path)
		except ModuleNotFoundError:
			assert frappe.get_attr(path), f"{script}: {path}"


def test_domains_import_only_downward_and_nothing_at_runtime_imports_devtools():
	wrong = []
	for path in python_files(APP):
		relative = path.relative_to(APP.parent).with_suffix("")
		name = ".".join(relative.parts)
		if any(part in RUNTIME_SKIP for part in relative.parts):
			continue
		own = layer_of(name)
		for imported in bizlink_imports(path):
			if imported.startswith("bizlink.devtools"):
				wrong.append(f"{name} imports {imported}")
			theirs = layer_of(imported)
			if own is not None and theirs is not None and theirs > own:
				wrong.append(f"{name} imports {imported} (above it)")
			if (
				own is not None
				and theirs is None
				and not imported.startswith((*SHARED, "bizlink.bizlink"))
				and imported != "bizlink"
			):
				wrong.append(f"{name} imports {imported} (app layer)")
	assert not wrong, wrong


def test_no_test_branch_in_production_code():
	offenders = [
		str(path.relative_to(APP))
		for path in python_files(APP)
		if "devtools" not in path.parts and "in_test" in path.read_text()
	]
	assert not offenders


def test_translations_have_one_source():
	assert not (APP / "translations").exists()
	assert (APP / "locale" / "es.po").exists() and (APP / "locale" / "main.pot").exists()


@pytest.mark.parametrize(
	"command", [["bizlink-demo"], ["bizlink-scale", "--reset"], ["bizlink-benchmark", "--only", "escalation"]]
)
def test_dev_commands_refuse_a_site_not_in_developer_mode(site, command):
	script = textwrap.dedent(
		f"""
		import frappe
		from click.testing import CliRunner

		init = frappe.init

		def init_outside_developer_mode(*args, **kwargs):
			init(*args, **kwargs)
			frappe.local.conf.developer_mode = 0

		frappe.init = init_outside_developer_mode
		from bizlink.commands import commands

		command = next(c for c in commands if c.name == {command[0]!r})
		result = CliRunner().invoke(command, {command[1:]!r}, obj={{"sites": [{site!r}], "profile": False}})
		print(result.exit_code, result.output)
		"""
	)
	done = subprocess.run(
		[sys.executable, "-c", script],
		capture_output=True,
		text=True,
		cwd=os.getcwd(),
		timeout=120,
		env={**os.environ, "PYTHONPATH": str(APP.parent)},
	)
	assert done.stdout.startswith("1 "), done.stdout + done.stderr
	assert "is not in developer mode" in done.stdout and "--force" in done.stdout


def test_every_report_with_text_columns_shows_them_as_text():
	"""Frappe's report grid puts a Data cell's value into the page as markup: each BizLink report that
	has Data columns escapes them in its formatter (a hostile item name or city ran script in the
	Installed Base report before it did)."""
	missing = []
	for script in sorted(APP.glob("*/report/*/*.py")):
		if script.stem != script.parent.name or '"fieldtype": "Data"' not in script.read_text():
			continue
		js = script.with_suffix(".js")
		if not js.exists() or "frappe.utils.escape_html(value)" not in js.read_text():
			missing.append(str(js.relative_to(APP)))
	assert not missing, missing
