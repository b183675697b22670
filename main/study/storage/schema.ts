/**
 * Optuna's RDB schema (SCHEMA_VERSION 12, alembic head `v3.2.0.a`), as SQLAlchemy's `create_all`
 * emits it, so that Optuna, optuna-dashboard and Histune open each other's databases unchanged.
 */

export const SCHEMA_VERSION = 12
export const ALEMBIC_REVISION = 'v3.2.0.a'
/** What `version_info.library_version` says for databases Histune creates (an Optuna version it is compatible with). */
export const LIBRARY_VERSION = '4.5.0'

export const TABLES = [
  'studies',
  'version_info',
  'study_directions',
  'study_user_attributes',
  'study_system_attributes',
  'trials',
  'trial_user_attributes',
  'trial_system_attributes',
  'trial_params',
  'trial_values',
  'trial_intermediate_values',
  'trial_heartbeats',
  'alembic_version',
] as const

export type TableName = (typeof TABLES)[number]

type Dialect = 'sqlite' | 'postgres'

function attributeTable(name: string, idColumn: string, owner: 'study' | 'trial', d: Dialect): string {
  const ownerTable = owner === 'study' ? 'studies' : 'trials'
  return `CREATE TABLE ${name} (
	${idColumn} ${serial(d)} NOT NULL, 
	${owner}_id INTEGER, 
	"key" VARCHAR(512), 
	value_json TEXT, 
	PRIMARY KEY (${idColumn}), 
	UNIQUE (${owner}_id, "key"), 
	FOREIGN KEY(${owner}_id) REFERENCES ${ownerTable} (${owner}_id)
)`
}

function serial(d: Dialect): string {
  return d === 'postgres' ? 'SERIAL' : 'INTEGER'
}

function float(d: Dialect): string {
  return d === 'postgres' ? 'FLOAT(53)' : 'FLOAT'
}

function datetime(d: Dialect): string {
  return d === 'postgres' ? 'TIMESTAMP WITHOUT TIME ZONE' : 'DATETIME'
}

function enumType(d: Dialect, pgName: string, length: number): string {
  return d === 'postgres' ? pgName : `VARCHAR(${length})`
}

/** CREATE statements per table, in dependency order, for one dialect. */
export function tableDefinitions(d: Dialect): Record<TableName, string[]> {
  return {
    studies: [
      `CREATE TABLE studies (
	study_id ${serial(d)} NOT NULL, 
	study_name VARCHAR(512) NOT NULL, 
	PRIMARY KEY (study_id)
)`,
      'CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)',
    ],
    version_info: [
      `CREATE TABLE version_info (
	version_info_id INTEGER NOT NULL, 
	schema_version INTEGER, 
	library_version VARCHAR(256), 
	PRIMARY KEY (version_info_id), 
	CHECK (version_info_id=1)
)`,
    ],
    study_directions: [
      `CREATE TABLE study_directions (
	study_direction_id ${serial(d)} NOT NULL, 
	direction ${enumType(d, 'studydirection', 8)} NOT NULL, 
	study_id INTEGER NOT NULL, 
	objective INTEGER NOT NULL, 
	PRIMARY KEY (study_direction_id), 
	UNIQUE (study_id, objective), 
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
    ],
    study_user_attributes: [attributeTable('study_user_attributes', 'study_user_attribute_id', 'study', d)],
    study_system_attributes: [attributeTable('study_system_attributes', 'study_system_attribute_id', 'study', d)],
    trials: [
      `CREATE TABLE trials (
	trial_id ${serial(d)} NOT NULL, 
	number INTEGER, 
	study_id INTEGER, 
	state ${enumType(d, 'trialstate', 8)} NOT NULL, 
	datetime_start ${datetime(d)}, 
	datetime_complete ${datetime(d)}, 
	PRIMARY KEY (trial_id), 
	FOREIGN KEY(study_id) REFERENCES studies (study_id)
)`,
      'CREATE INDEX ix_trials_study_id ON trials (study_id)',
    ],
    trial_user_attributes: [attributeTable('trial_user_attributes', 'trial_user_attribute_id', 'trial', d)],
    trial_system_attributes: [attributeTable('trial_system_attributes', 'trial_system_attribute_id', 'trial', d)],
    trial_params: [
      `CREATE TABLE trial_params (
	param_id ${serial(d)} NOT NULL, 
	trial_id INTEGER, 
	param_name VARCHAR(512), 
	param_value ${float(d)}, 
	distribution_json TEXT, 
	PRIMARY KEY (param_id), 
	UNIQUE (trial_id, param_name), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
    ],
    trial_values: [
      `CREATE TABLE trial_values (
	trial_value_id ${serial(d)} NOT NULL, 
	trial_id INTEGER NOT NULL, 
	objective INTEGER NOT NULL, 
	value ${float(d)}, 
	value_type ${enumType(d, 'trialvaluetype', 7)} NOT NULL, 
	PRIMARY KEY (trial_value_id), 
	UNIQUE (trial_id, objective), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
    ],
    trial_intermediate_values: [
      `CREATE TABLE trial_intermediate_values (
	trial_intermediate_value_id ${serial(d)} NOT NULL, 
	trial_id INTEGER NOT NULL, 
	step INTEGER NOT NULL, 
	intermediate_value ${float(d)}, 
	intermediate_value_type ${enumType(d, 'trialintermediatevaluetype', 7)} NOT NULL, 
	PRIMARY KEY (trial_intermediate_value_id), 
	UNIQUE (trial_id, step), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
    ],
    trial_heartbeats: [
      `CREATE TABLE trial_heartbeats (
	trial_heartbeat_id ${serial(d)} NOT NULL, 
	trial_id INTEGER NOT NULL, 
	heartbeat ${datetime(d)} NOT NULL, 
	PRIMARY KEY (trial_heartbeat_id), 
	UNIQUE (trial_id), 
	FOREIGN KEY(trial_id) REFERENCES trials (trial_id)
)`,
    ],
    alembic_version: [
      `CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)`,
    ],
  }
}

/** PostgreSQL enum types that SQLAlchemy creates before the tables. */
export const POSTGRES_ENUMS: Record<string, string[]> = {
  studydirection: ['NOT_SET', 'MINIMIZE', 'MAXIMIZE'],
  trialstate: ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'],
  trialvaluetype: ['FINITE', 'INF_POS', 'INF_NEG'],
  trialintermediatevaluetype: ['FINITE', 'INF_POS', 'INF_NEG', 'NAN'],
}
