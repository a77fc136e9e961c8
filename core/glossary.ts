/**
 * Glossary — the words the rest of the code base uses, in one place.
 *
 * - **queue**: a named BullMQ mailbox in Redis (`question-validation`, `feedback-loop`, …).
 * - **actor**: the worker that owns one queue. Actors share no memory; they talk only by sending
 *   jobs to each other, and everything they own lives in PostgreSQL.
 * - **job**: one message in a queue, with a job name (`validate`, `results`, …), a payload checked
 *   by zod, and a result. Delivered at least once, so every processor is idempotent.
 * - **processor**: the function `(payload, ctx) => result` that does one job name's work. It never
 *   sees the BullMQ `Job` object; `ctx` gives it a logger, the database, the producer and a signal.
 * - **pipeline**: a chain of actors joined by jobs (validate → decision-insights, import-batch →
 *   many validations, results → insights + analytics).
 * - **decision**: one adaptive choice the system made (a session composed, a streak rule fired, a
 *   question judged); it has a deterministic `decisionId`.
 * - **trace**: the stored record of a decision — its inputs, outputs and model version — so anyone
 *   can later answer "why did this learner get this question?".
 */
export type Glossary = never;
