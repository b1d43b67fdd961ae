-- One database per service; each service reaches only its own (docker compose runs this once).
CREATE DATABASE liyuan_residents;
CREATE DATABASE liyuan_facilities;
CREATE DATABASE liyuan_mediation;
CREATE DATABASE liyuan_shared_spaces;
CREATE DATABASE liyuan_volunteers;
-- The gateway replicas' shared rate-limit buckets (one table, created by the gateway).
CREATE DATABASE liyuan_gateway;
