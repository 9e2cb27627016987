"""Alembic environment: the engine comes from the Store that invoked the migration."""

from alembic import context

from stanchion.store.schema import metadata

config = context.config
engine = config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
