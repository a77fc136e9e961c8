import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * Kysely's view of the tables created in db/migrations. Keep it in step with the migrations:
 * a column added there is added here in the same change.
 */

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface QuestionsTable {
  id: string;
  content_hash: string;
  text: string;
  type: string;
  difficulty: number | null;
  category_id: string | null;
  learning_objective: string | null;
  options: Json<string[] | null> | null;
  answer: string | null;
  rating: number | null;
  answer_count: Generated<number>;
  rating_info: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface QuestionValidationsTable {
  id: Generated<string>;
  question_id: string;
  content_hash: string;
  model_version: string;
  level: string;
  knowledge_dimension: string;
  complexity: number;
  confidence: number;
  quality_score: number;
  passed: boolean;
  suggestions: Json<string[]>;
  evidence: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface LearnersTable {
  user_id: string;
  state: Json<Record<string, unknown>>;
  skill: Generated<number>;
  level: Generated<number>;
  comeback_mode: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: Timestamp | null;
}

export interface ReviewStatesTable {
  user_id: string;
  question_id: string;
  algorithm: string;
  state: Json<Record<string, unknown>>;
  due_at: Timestamp;
  last_reviewed_at: Timestamp | null;
  updated_at: Generated<Date>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  category_id: string | null;
  size: number;
  status: Generated<string>;
  questions: Json<unknown[]>;
  success_rate: number | null;
  flow_achieved: boolean | null;
  created_at: Generated<Date>;
  completed_at: Timestamp | null;
}

export interface AttemptsTable {
  id: Generated<string>;
  session_id: string;
  user_id: string;
  question_id: string;
  correct: boolean;
  response_ms: number | null;
  answered_at: Timestamp;
  predicted: number | null;
  created_at: Generated<Date>;
}

export interface DecisionInsightsTable {
  decision_id: string;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  created_at: Timestamp;
  inputs: Json<Record<string, unknown>>;
  outputs: Json<Record<string, unknown>>;
  model_version: string;
}

export interface AnalyticsEventsTable {
  id: Generated<string>;
  event_id: string;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  payload: Json<Record<string, unknown>>;
  occurred_at: Timestamp;
}

export interface DifficultyMappingsTable {
  category_id: string;
  scale: number;
  offset: number;
  items: Generated<number>;
  information: Generated<number>;
  fitted_at: Generated<Date>;
}

export interface AnalyticsDailyTable {
  day: ColumnType<string, string, string>;
  active_learners: number;
  sessions: number;
  completed_sessions: number;
  completion_rate: number;
  mean_accuracy: number | null;
  flow_rate: number | null;
  validations_by_level: Json<Record<string, number>>;
  calibration: Json<Record<string, unknown> | null> | null;
  computed_at: Generated<Date>;
}

export interface LearningPlansTable {
  id: string;
  user_id: string;
  current_level: number;
  target_level: number;
  days: number;
  milestones: Json<unknown[]>;
  created_at: Generated<Date>;
}

export interface AlertsTable {
  id: Generated<string>;
  rule_id: string;
  severity: string;
  status: string;
  value: number | null;
  message: string;
  started_at: Timestamp;
  resolved_at: Timestamp | null;
  notified_at: Timestamp | null;
  /** The rule's metric, threshold and operator when the alert fired (null on rows from before 0016). */
  metric: string | null;
  threshold: number | null;
  operator: string | null;
}

export interface AlertRulesTable {
  id: string;
  rule: Json<Record<string, unknown>>;
  builtin: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  deleted_at: Timestamp | null;
}

export interface BackupsTable {
  id: string;
  status: string;
  path: string | null;
  manifest: Json<Record<string, unknown>> | null;
  size_bytes: ColumnType<string | null, number | string | null, number | string | null>;
  created_at: Generated<Date>;
  completed_at: Timestamp | null;
  verified_at: Timestamp | null;
  verify_status: string | null;
  error: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  details: Json<Record<string, unknown>> | null;
}

export interface FeedbackApplicationsTable {
  job_key: string;
  session_id: string;
  user_id: string;
  result: Json<Record<string, unknown>>;
  traces: Json<unknown[]>;
  created_at: Generated<Date>;
}

export interface JobSchedulesTable {
  queue_prefix: string;
  version: number;
  hash: string;
  entries: Json<unknown[]>;
  updated_at: Generated<Date>;
  updated_by: string;
}

export interface LearnerExportsTable {
  export_id: string;
  learner_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  bytes: number;
  body: Buffer;
}

export interface BackupFilesTable {
  backup_id: string;
  name: string;
  chunk: number;
  data: Buffer;
}

export interface ErasureLedgerTable {
  learner_id: string;
  erased_at: Timestamp;
}

export interface Database {
  questions: QuestionsTable;
  question_validations: QuestionValidationsTable;
  learners: LearnersTable;
  review_states: ReviewStatesTable;
  sessions: SessionsTable;
  attempts: AttemptsTable;
  decision_insights: DecisionInsightsTable;
  analytics_events: AnalyticsEventsTable;
  app_secrets: { name: string; value: string; created_at: Generated<Timestamp> };
  analytics_events_archive: AnalyticsEventsTable;
  analytics_daily: AnalyticsDailyTable;
  difficulty_mappings: DifficultyMappingsTable;
  learning_plans: LearningPlansTable;
  alerts: AlertsTable;
  alert_rules: AlertRulesTable;
  backups: BackupsTable;
  audit_log: AuditLogTable;
  feedback_applications: FeedbackApplicationsTable;
  learner_exports: LearnerExportsTable;
  backup_files: BackupFilesTable;
  erasure_ledger: ErasureLedgerTable;
  job_schedules: JobSchedulesTable;
}

export type { JSONColumnType };
