#!/bin/bash
# Runs once, when the postgres container initialises its volume: creates the application's own role. The schema is owned by
# POSTGRES_USER (the migration role); HikFleet's migrator grants this role data rights only (it can never change the audit trail).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v app_password="$HIKFLEET_APP_DB_PASSWORD" <<'SQL'
CREATE ROLE hikfleet LOGIN PASSWORD :'app_password';
SQL
