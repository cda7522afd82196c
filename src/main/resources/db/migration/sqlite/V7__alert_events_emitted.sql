-- The live stream resumes alert transitions by processing time (SSE Last-Event-ID carries it).
CREATE INDEX alert_events_emitted ON alert_events (emitted_at);
