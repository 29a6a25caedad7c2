package schema

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// The MariaDB stamp (state.go): a digest of the requested tables'
// CREATE_TIME, which every ALTER TABLE renews, read in one query with the
// server's version and whether the state table exists. A stamp is not kept
// when a table changed within the last two seconds (CREATE_TIME counts
// seconds). MySQL 8 has no fast path: it serves CREATE_TIME from a
// statistics cache (information_schema_stats_expiry) that may lag.

const (
	myStateExists = `EXISTS (SELECT 1 FROM information_schema.COLUMNS
	WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '` + stateTable + `' AND COLUMN_NAME = '` + stateColumn + `')`
	myStampHead = `SELECT 'V', VERSION(), ` + myStateExists + `, EXISTS (SELECT 1 FROM information_schema.TABLES
	WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '` + stateTable + `'), 0`
	myStampBranch = `SELECT 'T', TABLE_SCHEMA, TABLE_NAME, coalesce(DATE_FORMAT(CREATE_TIME, '%%Y-%%m-%%d %%H:%%i:%%s'), TABLE_TYPE),
	coalesce(CREATE_TIME > NOW() - INTERVAL 2 SECOND, 0)
FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (?)`
)

func (my mysql) stampOf(ctx context.Context, db bun.IDB, keys []tableKey) (stateRead, error) {
	st := stateRead{storable: true}
	branches, args := myUnion(myGroups(keys), func(g myGroup) (string, []any) { return fmt.Sprintf(myStampBranch, g.schema), g.inTables() })
	rows, err := db.QueryContext(ctx, myStampHead+"\nUNION ALL\n"+branches+"\nORDER BY 1 DESC, 2, 3", args...)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	var (
		mariaDB bool
		parts   []string
	)
	for rows.Next() {
		var (
			kind, a, b, c string
			recent        bool
		)
		if err := rows.Scan(&kind, &a, &b, &c, &recent); err != nil {
			return st, err
		}
		if kind == "V" {
			mariaDB, st.exists, st.stale = strings.Contains(a, "MariaDB"), b == "1", b != "1" && c == "1"
			continue
		}
		parts = append(parts, a+"."+b+"@"+c)
		st.storable = st.storable && !recent
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	if !mariaDB {
		return stateRead{}, nil
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\n")))
	st.stamp = hex.EncodeToString(sum[:])
	return st, nil
}

func (my mysql) stateExists(ctx context.Context, db bun.IDB) (bool, error) {
	var exists bool
	err := db.QueryRowContext(ctx, "SELECT "+myStateExists).Scan(&exists)
	return exists, err
}

func (my mysql) writeState(ctx context.Context, db bun.IDB, st *fastState) error {
	if !st.read.exists {
		if err := createState(ctx, db, my, st.read.stale); err != nil {
			return err
		}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO `+stateTable+` (scope, models, stamp, inputs, tables) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE models = VALUES(models), stamp = VALUES(stamp), inputs = VALUES(inputs), tables = VALUES(tables)`,
		st.scope, st.models, st.read.stamp, st.inputs, st.tables)
	return err
}

func (my mysql) stateDDL() string {
	return `CREATE TABLE IF NOT EXISTS ` + stateTable + ` (
		scope varchar(64) NOT NULL PRIMARY KEY, models varchar(64) NOT NULL, stamp varchar(64) NOT NULL,
		inputs varchar(64) NOT NULL, tables longtext NOT NULL,
		updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)`
}
