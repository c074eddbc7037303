#!/bin/bash
# Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): one role and one database per service (and the gateway's,
# for API keys), each reachable only by its own role, so that no service can read another's
# data. Extensions used by French full-text search are created here because creating them
# needs more rights than the service roles have. tests/test_deploy_postgres.py runs this script for real.
set -euo pipefail

: "${MAILLAGE_DB_PASSWORD:?set MAILLAGE_DB_PASSWORD}"
prefix="${MAILLAGE_DB_PREFIX:-maillage}"

for service in directory events surveys eu_watch gateway; do
    role="${prefix}_${service}"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE ${role} LOGIN PASSWORD '${MAILLAGE_DB_PASSWORD}';
CREATE DATABASE ${role} OWNER ${role} ENCODING 'UTF8' TEMPLATE template0;
REVOKE CONNECT, TEMPORARY ON DATABASE ${role} FROM PUBLIC;
SQL
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$role" <<SQL
CREATE EXTENSION IF NOT EXISTS unaccent;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO ${role};
SQL
done
