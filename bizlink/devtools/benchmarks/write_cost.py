"""What logging an interaction costs against ERPNext's comment, in one warm process (README, Under
load): the CPU and the statements of a Sales Interaction with a follow-up (its ToDo, the ToDo's
*assigned* comment, the Event), without one, and of `add_comment` on the Customer; median of 20 each,
rolled back.

    bench --site bizlink.test execute bizlink.devtools.benchmarks.write_cost.run
"""

import statistics
import time

import frappe
from frappe.utils import add_days, now_datetime, today


def run() -> dict:
	from frappe.desk.form.utils import add_comment

	customer = frappe.db.get_value("Customer", {"disabled": 0}, "name")

	def interaction(follow_up: bool) -> None:
		values = {
			"doctype": "Sales Interaction",
			"customer": customer,
			"interaction_type": "Call",
			"interaction_date": now_datetime(),
			"subject": "Seguimiento",
			"notes": "Interesado",
		}
		if follow_up:
			values.update(next_action="Enviar presupuesto", next_action_date=add_days(today(), 3))
		frappe.get_doc(values).insert()

	writes = {
		"interaction with a follow-up": lambda: interaction(True),
		"interaction without one": lambda: interaction(False),
		"ERPNext: a comment on the Customer": lambda: add_comment(
			"Customer", customer, "Llamada: interesado", frappe.session.user, "Load"
		),
	}
	result = {}
	sql = frappe.db.sql
	try:
		for name, write in writes.items():
			for _ in range(3):
				write()
			cpu, statements = [], []
			for _ in range(20):
				count = [0]

				def counting(*args, count=count, **kwargs):
					count[0] += 1
					return sql(*args, **kwargs)

				frappe.db.sql = counting
				started = time.process_time()
				write()
				cpu.append((time.process_time() - started) * 1000)
				frappe.db.sql = sql
				statements.append(count[0])
			result[name] = {
				"cpu_ms": round(statistics.median(cpu), 1),
				"statements": statistics.median(statements),
			}
			print(f"{name:36} CPU {result[name]['cpu_ms']:5.1f} ms, {result[name]['statements']} statements")
	finally:
		frappe.db.sql = sql
		frappe.db.rollback()
	return result
