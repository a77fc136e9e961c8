import { type Kysely, sql } from 'kysely';

/**
 * The tables every actor needs. Unique keys are what make processors idempotent
 * under at-least-once delivery: each one is named below with the job whose re-run it protects.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE questions (
      id                 text PRIMARY KEY,              -- caller's id, or q_<content hash>
      content_hash       text NOT NULL,
      text               text NOT NULL,
      type               text NOT NULL,
      difficulty         smallint,                      -- 1..5 as the author gave it
      category_id        text,
      learning_objective text,
      options            jsonb,
      answer             text,
      rating             double precision,              -- Elo item difficulty (logit scale)
      answer_count       integer NOT NULL DEFAULT 0,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX questions_category_idx ON questions (category_id);

    -- validate is re-run safely: one row per (question, model version, text).
    CREATE TABLE question_validations (
      id                  bigserial PRIMARY KEY,
      question_id         text NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
      content_hash        text NOT NULL,
      model_version       text NOT NULL,
      level               text NOT NULL,
      knowledge_dimension text NOT NULL,
      complexity          double precision NOT NULL,
      confidence          double precision NOT NULL,
      quality_score       double precision NOT NULL,
      passed              boolean NOT NULL,
      suggestions         jsonb NOT NULL,
      evidence            jsonb NOT NULL,
      created_at          timestamptz NOT NULL DEFAULT now(),
      UNIQUE (question_id, model_version, content_hash)
    );
    CREATE INDEX question_validations_latest_idx ON question_validations (question_id, created_at DESC);
    CREATE INDEX question_validations_hash_idx ON question_validations (content_hash, model_version);

    -- One row per learner; the full engine state is jsonb, hot fields are projected for queries.
    CREATE TABLE learners (
      user_id       text PRIMARY KEY,
      state         jsonb NOT NULL,
      skill         double precision NOT NULL DEFAULT 0,
      level         smallint NOT NULL DEFAULT 1,
      comeback_mode boolean NOT NULL DEFAULT false,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      deleted_at    timestamptz                          -- GDPR erasure: soft delete, hard delete later
    );

    CREATE TABLE review_states (
      user_id          text NOT NULL,
      question_id      text NOT NULL,
      algorithm        text NOT NULL,                    -- sm2 | fsrs
      state            jsonb NOT NULL,
      due_at           timestamptz NOT NULL,
      last_reviewed_at timestamptz,
      updated_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, question_id)
    );
    CREATE INDEX review_states_due_idx ON review_states (user_id, due_at);

    -- generate is re-run safely: the session id is derived from the job id.
    CREATE TABLE sessions (
      id            text PRIMARY KEY,
      user_id       text NOT NULL,
      category_id   text,
      size          smallint NOT NULL,
      status        text NOT NULL DEFAULT 'generated',    -- generated | completed
      questions     jsonb NOT NULL,
      success_rate  double precision,
      flow_achieved boolean,
      created_at    timestamptz NOT NULL DEFAULT now(),
      completed_at  timestamptz
    );
    CREATE INDEX sessions_user_idx ON sessions (user_id, created_at DESC);
    CREATE INDEX sessions_created_idx ON sessions (created_at);

    -- results is re-run safely: one attempt per (session, question).
    CREATE TABLE attempts (
      id          bigserial PRIMARY KEY,
      session_id  text NOT NULL,
      user_id     text NOT NULL,
      question_id text NOT NULL,
      correct     boolean NOT NULL,
      response_ms integer,
      answered_at timestamptz NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (session_id, question_id)
    );
    CREATE INDEX attempts_user_idx ON attempts (user_id, answered_at DESC);
    CREATE INDEX attempts_question_idx ON attempts (question_id);

    -- record is re-run safely: decision ids are deterministic, and created_at travels with the
    -- trace, so a retried write hits the same partition and the same primary key.
    CREATE TABLE decision_insights (
      decision_id   text NOT NULL,
      kind          text NOT NULL,
      user_id       text,
      session_id    text,
      created_at    timestamptz NOT NULL,
      inputs        jsonb NOT NULL,
      outputs       jsonb NOT NULL,
      model_version text NOT NULL,
      PRIMARY KEY (decision_id, created_at)
    ) PARTITION BY RANGE (created_at);
    CREATE TABLE decision_insights_default PARTITION OF decision_insights DEFAULT;
    CREATE INDEX decision_insights_user_idx ON decision_insights (user_id, created_at DESC, decision_id DESC);
    CREATE INDEX decision_insights_session_idx ON decision_insights (session_id);

    CREATE TABLE analytics_events (
      id          bigserial PRIMARY KEY,
      event_id    text NOT NULL UNIQUE,                  -- deterministic per emitting job
      kind        text NOT NULL,
      user_id     text,
      session_id  text,
      payload     jsonb NOT NULL,
      occurred_at timestamptz NOT NULL
    );
    CREATE INDEX analytics_events_occurred_idx ON analytics_events (occurred_at);
    CREATE INDEX analytics_events_user_idx ON analytics_events (user_id);

    CREATE TABLE analytics_events_archive (LIKE analytics_events INCLUDING ALL);

    CREATE TABLE analytics_daily (
      day                  date PRIMARY KEY,             -- rollup is re-run safely: upsert by day
      active_learners      integer NOT NULL,
      sessions             integer NOT NULL,
      completed_sessions   integer NOT NULL,
      completion_rate      double precision NOT NULL,
      mean_accuracy        double precision,
      flow_rate            double precision,
      validations_by_level jsonb NOT NULL,
      computed_at          timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE learning_plans (
      id            text PRIMARY KEY,                    -- derived from the job id
      user_id       text NOT NULL,
      current_level smallint NOT NULL,
      target_level  smallint NOT NULL,
      days          integer NOT NULL,
      milestones    jsonb NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX learning_plans_user_idx ON learning_plans (user_id);

    CREATE TABLE alerts (
      id          bigserial PRIMARY KEY,
      rule_id     text NOT NULL,
      severity    text NOT NULL,
      status      text NOT NULL,                         -- firing | resolved
      value       double precision,
      message     text NOT NULL,
      started_at  timestamptz NOT NULL,
      resolved_at timestamptz,
      notified_at timestamptz
    );
    CREATE INDEX alerts_started_idx ON alerts (started_at DESC);
    CREATE UNIQUE INDEX alerts_one_firing_per_rule ON alerts (rule_id) WHERE status = 'firing';

    CREATE TABLE backups (
      id            text PRIMARY KEY,
      status        text NOT NULL,                       -- running | completed | failed
      path          text,
      manifest      jsonb,
      size_bytes    bigint,
      created_at    timestamptz NOT NULL DEFAULT now(),
      completed_at  timestamptz,
      verified_at   timestamptz,
      verify_status text,                                -- passed | failed
      error         text
    );

    CREATE TABLE audit_log (
      id      bigserial PRIMARY KEY,
      at      timestamptz NOT NULL DEFAULT now(),
      actor   text NOT NULL,                             -- key fingerprint or 'system'
      action  text NOT NULL,
      target  text,
      ip      text,
      details jsonb
    );
    CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS audit_log, backups, alerts, learning_plans, analytics_daily,
      analytics_events_archive, analytics_events, decision_insights, attempts, sessions,
      review_states, learners, question_validations, questions CASCADE;
  `.execute(db);
}
