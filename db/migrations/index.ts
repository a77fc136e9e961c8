import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.js';
import * as feedbackApplications from './0005_feedback_applications.js';
import * as insightPartitions from './0002_insight_partitions.js';
import * as retentionIndexes from './0006_retention_indexes.js';
import * as sharedStores from './0007_shared_stores.js';
import * as appSecrets from './0010_app_secrets.js';
import * as candidateDifficultyIndex from './0010_candidate_difficulty_index.js';
import * as difficultyCalibration from './0013_difficulty_calibration.js';
import * as alertRules from './0016_alert_rules.js';
import * as jobSchedules from './0017_job_schedules.js';
import * as alertRuleRunbookFields from './0018_alert_rule_runbook_fields.js';
import * as writePathIndexes from './0019_write_path_indexes.js';

/**
 * Every migration, in order. A static list rather than a folder scan, so the compiled build and
 * the TypeScript sources behave the same. Add new files here with the next number.
 */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_insight_partitions': insightPartitions,
  '0005_feedback_applications': feedbackApplications,
  '0006_retention_indexes': retentionIndexes,
  '0007_shared_stores': sharedStores,
  '0010_app_secrets': appSecrets,
  '0010_candidate_difficulty_index': candidateDifficultyIndex,
  '0013_difficulty_calibration': difficultyCalibration,
  '0016_alert_rules': alertRules,
  '0017_job_schedules': jobSchedules,
  '0018_alert_rule_runbook_fields': alertRuleRunbookFields,
  '0019_write_path_indexes': writePathIndexes,
};
