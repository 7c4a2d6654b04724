-- flowauto schema version 9 (mysql)

CREATE TABLE alarm_rules (
	id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	dag_ids LONGTEXT NOT NULL, 
	on_events TEXT NOT NULL, 
	channels LONGTEXT NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id)
)CHARSET=utf8mb4;

CREATE INDEX ix_alarm_rules_domain ON alarm_rules (biz_domain_id);

CREATE TABLE audit_logs (
	id BIGINT NOT NULL AUTO_INCREMENT, 
	at BIGINT NOT NULL, 
	user_id VARCHAR(128) NOT NULL, 
	biz_domain VARCHAR(64) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	object_type VARCHAR(32) NOT NULL, 
	object_id VARCHAR(128) NOT NULL, 
	detail TEXT NOT NULL, 
	PRIMARY KEY (id)
)CHARSET=utf8mb4;

CREATE INDEX ix_audit_logs_domain_at ON audit_logs (biz_domain, at);

CREATE TABLE combo_operators (
	id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	`key` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	dag_id VARCHAR(20) NOT NULL, 
	inputs LONGTEXT NOT NULL, 
	outputs LONGTEXT NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_combo_operators_key UNIQUE (biz_domain_id, `key`)
)CHARSET=utf8mb4;

CREATE TABLE connection_secrets (
	connection_id VARCHAR(20) NOT NULL, 
	`key` VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (connection_id, `key`)
)CHARSET=utf8mb4;

CREATE TABLE connections (
	id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	name VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	config TEXT NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	revision INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_connections_name UNIQUE (biz_domain_id, name)
)CHARSET=utf8mb4;

CREATE TABLE dag_accessors (
	dag_id VARCHAR(20) NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	accessor_id VARCHAR(128) NOT NULL
)CHARSET=utf8mb4;

CREATE INDEX ix_dag_accessors_dag ON dag_accessors (dag_id);

CREATE INDEX ix_dag_accessors_principal ON dag_accessors (accessor_id, type);

CREATE TABLE dag_versions (
	version_id VARCHAR(20) NOT NULL, 
	dag_id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	version VARCHAR(40) NOT NULL, 
	steps LONGTEXT NOT NULL, 
	change_log TEXT NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (version_id)
)CHARSET=utf8mb4;

CREATE INDEX ix_dag_versions_dag ON dag_versions (dag_id, created_at);

CREATE TABLE dags (
	id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	title VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	live_title VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, 
	description VARCHAR(300) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	type VARCHAR(64) NOT NULL, 
	`trigger` VARCHAR(128) NOT NULL, 
	steps LONGTEXT NOT NULL, 
	vars LONGTEXT NOT NULL, 
	accessors LONGTEXT NOT NULL, 
	emails TEXT NOT NULL, 
	published BOOL NOT NULL, 
	version_id VARCHAR(20) NOT NULL, 
	version VARCHAR(40) NOT NULL, 
	change_log TEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	modify_by VARCHAR(128) NOT NULL, 
	revision INTEGER NOT NULL, 
	deleted_at BIGINT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_dags_live_title UNIQUE (biz_domain_id, live_title)
)CHARSET=utf8mb4;

CREATE INDEX ix_dags_domain_created ON dags (biz_domain_id, deleted_at, created_at);

CREATE INDEX ix_dags_domain_title ON dags (biz_domain_id, deleted_at, title);

CREATE INDEX ix_dags_domain_updated ON dags (biz_domain_id, deleted_at, updated_at);

CREATE TABLE executors (
	id VARCHAR(20) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	`key` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	description TEXT NOT NULL, 
	base_url VARCHAR(1024) NOT NULL, 
	auth_type VARCHAR(16) NOT NULL, 
	auth_secret TEXT NOT NULL, 
	accessors LONGTEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	actions LONGTEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	revision INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_executors_key UNIQUE (biz_domain_id, `key`)
)CHARSET=utf8mb4;

CREATE TABLE node_leases (
	node INTEGER NOT NULL, 
	holder VARCHAR(200) NOT NULL, 
	until_ms BIGINT NOT NULL, 
	PRIMARY KEY (node)
)CHARSET=utf8mb4;

CREATE TABLE run_events (
	run_id VARCHAR(20) NOT NULL, 
	seq INTEGER NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	data LONGTEXT NOT NULL, 
	at_ms BIGINT NOT NULL, 
	published_at_ms BIGINT, 
	PRIMARY KEY (run_id, seq)
)CHARSET=utf8mb4;

CREATE INDEX ix_run_events_waiting ON run_events (published_at_ms, at_ms);

CREATE TABLE run_tasks (
	id VARCHAR(20) NOT NULL, 
	run_id VARCHAR(20) NOT NULL, 
	task_key VARCHAR(255) NOT NULL, 
	step_id VARCHAR(128) NOT NULL, 
	operator VARCHAR(255) NOT NULL, 
	title VARCHAR(255) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempt INTEGER NOT NULL, 
	inputs LONGTEXT NOT NULL, 
	outputs LONGTEXT NOT NULL, 
	reason TEXT NOT NULL, 
	started_at BIGINT, 
	started_ms BIGINT, 
	ended_at BIGINT, 
	duration_ms BIGINT, 
	worker VARCHAR(128) NOT NULL, 
	wake_at_ms BIGINT, 
	callback_digest VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_run_tasks_key UNIQUE (run_id, task_key)
)CHARSET=utf8mb4;

CREATE TABLE runs (
	id VARCHAR(20) NOT NULL, 
	dag_id VARCHAR(20) NOT NULL, 
	version_id VARCHAR(20) NOT NULL, 
	version VARCHAR(40) NOT NULL, 
	name VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, 
	`trigger` VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	reason TEXT NOT NULL, 
	vars LONGTEXT NOT NULL, 
	inputs LONGTEXT NOT NULL, 
	userid VARCHAR(128) NOT NULL, 
	biz_domain_id VARCHAR(64) NOT NULL, 
	created_at BIGINT NOT NULL, 
	started_at BIGINT, 
	started_ms BIGINT, 
	ended_at BIGINT, 
	duration_ms BIGINT, 
	parent_run_id VARCHAR(20), 
	parent_task_id VARCHAR(20), 
	paused_from VARCHAR(16), 
	wake_at_ms BIGINT, 
	debug BOOL NOT NULL, 
	debug_steps LONGTEXT, 
	event_seq INTEGER NOT NULL, 
	traceparent VARCHAR(64) NOT NULL DEFAULT '', 
	owner VARCHAR(128) NOT NULL, 
	lease_until_ms BIGINT NOT NULL, 
	epoch INTEGER NOT NULL, 
	idempotency_key VARCHAR(255), 
	PRIMARY KEY (id), 
	CONSTRAINT uq_runs_idempotency_key UNIQUE (idempotency_key)
)CHARSET=utf8mb4;

CREATE INDEX ix_runs_dag_status ON runs (dag_id, status);

CREATE INDEX ix_runs_domain_created ON runs (biz_domain_id, created_at);

CREATE INDEX ix_runs_domain_dag_created ON runs (biz_domain_id, dag_id, created_at);

CREATE INDEX ix_runs_owner ON runs (owner);

CREATE INDEX ix_runs_status_wake ON runs (status, wake_at_ms);

CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at BIGINT NOT NULL, 
	PRIMARY KEY (version)
);

CREATE TABLE switches (
	name VARCHAR(64) NOT NULL, 
	is_on BOOL NOT NULL, 
	message TEXT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	updated_by VARCHAR(128) NOT NULL, 
	PRIMARY KEY (name)
)CHARSET=utf8mb4;

CREATE TABLE workers (
	id VARCHAR(128) NOT NULL, 
	host VARCHAR(255) NOT NULL, 
	roles VARCHAR(255) NOT NULL, 
	started_at_ms BIGINT NOT NULL, 
	last_beat_ms BIGINT NOT NULL, 
	held_runs INTEGER NOT NULL, 
	PRIMARY KEY (id)
)CHARSET=utf8mb4;

CREATE INDEX ix_workers_last_beat ON workers (last_beat_ms);
