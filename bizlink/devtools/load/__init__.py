"""The load test over HTTP (`scripts/load-test`): the users it logs in as and the data they work on
(`prepare`), what each simulated user does (scripts/locustfile.py, run by Locust), and whether everything
the users made is in the database afterwards (`check`)."""
