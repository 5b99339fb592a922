-- Run once by the postgres image on an empty volume: the databases besides POSTGRES_DB (rasa,
-- the tracker store). The queue and the SMS channel create their own tables on start.
CREATE DATABASE handoff OWNER intake;
CREATE DATABASE sms OWNER intake;
