-- flowauto schema version 1 (mysql)

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

CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	applied_at BIGINT NOT NULL, 
	PRIMARY KEY (version)
);
