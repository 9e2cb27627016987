"""Storage: tables, migrations, encryption, the audit chain and the trace writer."""
