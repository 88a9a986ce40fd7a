"""Importing another platform's history: a CSV or Excel export of closed tickets.

The pieces, in the order a run uses them (the write itself is
``tickets.services.history_import.tickets_import``; ``duban import_tickets`` is its command):

- :mod:`.mapping` — which source column holds which duban field (a built-in default for the
  usual 12345 export headers, overridable by a JSON file or ``列=字段`` options);
- :mod:`.reading` — rows of a CSV (UTF-8 or GBK/GB18030, detected) or an ``.xlsx`` (openpyxl
  read-only), every value as text;
- :mod:`.validation` — every row checked and converted before anything is written, with the
  problems as a report (line, column, value, problem — in Chinese);
- :mod:`.writing` — the validated rows written: PostgreSQL ``COPY`` (callers encrypted with
  ``core.crypto``), the ORM's ``bulk_create`` elsewhere;
- :mod:`.hooks` — who is told which months the history changed (the metrics rollup marks
  them stale; registered by ``metrics.apps``, as the engine's observers are).

docs/import.md describes the command and the file format.
"""
