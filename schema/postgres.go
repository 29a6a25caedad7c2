package schema

import (
	"errors"
	"fmt"
	"strings"
)

// sqlState returns the SQLSTATE of a driver error that carries one (pgx's
// *pgconn.PgError does).
func sqlState(err error) string {
	var s interface{ SQLState() string }
	if errors.As(err, &s) {
		return s.SQLState()
	}
	return ""
}

// postgres is the PostgreSQL dialect (12 and later).
type postgres struct {
	// lockBudget, when positive, replaces the estimated locks one part of a
	// plan may take (tests; see split).
	lockBudget int
}

var (
	_ dialect       = postgres{}
	_ stamper       = postgres{}
	_ fkTypeMatcher = postgres{}
	_ valueCaster   = postgres{}
	_ converter     = postgres{}
	_ schemaCreator = postgres{}
	_ onlineIndexer = postgres{}
	_ blocker       = postgres{}
	_ txSplitter    = postgres{}
	_ rowEstimator  = postgres{}
)

func (postgres) name() string { return "PostgreSQL" }

func (postgres) quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

func (pg postgres) quoteTable(t *Table) string {
	if t.Schema == "" {
		return pg.quote(t.Name)
	}
	return pg.quote(t.Schema) + "." + pg.quote(t.Name)
}

func (postgres) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case len(ident) > 63:
		return fmt.Errorf("name is %d bytes long; PostgreSQL keeps only 63 (shorten it)", len(ident))
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

// lengthExpr measures the value as text: a number or boolean column being
// changed to varchar is measured as the text it becomes.
func (postgres) lengthExpr(col string) string { return "char_length(" + col + "::text)" }

func (postgres) transactional() bool { return true }

func (postgres) features() features { return 0 }
