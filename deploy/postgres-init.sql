-- Runs once, when the PostgreSQL volume is created: the monitor's own database beside
-- Airflow's metadata database. Its tables come from `monitor db upgrade` (airflow-init).
CREATE DATABASE monitor OWNER airflow;
