-- 0004: attempts count only a document's own failures. A claim still increments `attempts` (the
-- lease's fencing token); when start-up recovery finds a document in flight — the daemon was
-- killed, crashed or the machine shut down while it ran — it increments `interruptions`, and the
-- attempts a document has used are `attempts - interruptions`. A document is dead-lettered for
-- its own repeated failures, or after many interruptions (a document that keeps taking the
-- daemon down), each with its reason.
ALTER TABLE documents ADD COLUMN interruptions INTEGER NOT NULL DEFAULT 0;
