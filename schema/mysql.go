package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// mysql is the MySQL and MariaDB dialect (bun's mysqldialect). It is tested
// on MariaDB 10.11 and written for MySQL 8.0.16 and later as well; where the
// two servers report the same thing differently (integer display widths,
// JSON, column defaults) both spellings are read. See docs/migrations.md.
type mysql struct{}

var (
	_ dialect        = mysql{}
	_ stamper        = mysql{}
	_ actionMatcher  = mysql{}
	_ indexChecker   = mysql{}
	_ fkTypeMatcher  = mysql{}
	_ fkIndexDropper = mysql{}
	_ converter      = mysql{}
	_ valueCaster    = mysql{}
	_ blocker        = mysql{}
	_ schemaCreator  = mysql{}

	_ statementExporter = mysql{}
)

func (mysql) name() string { return "MySQL" }

func (mysql) quote(ident string) string {
	return "`" + strings.ReplaceAll(ident, "`", "``") + "`"
}

func (my mysql) quoteTable(t *Table) string {
	if t.Schema == "" {
		return my.quote(t.Name)
	}
	return my.quote(t.Schema) + "." + my.quote(t.Name)
}

func (mysql) checkIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty name")
	case utf8.RuneCountInString(ident) > 64:
		return fmt.Errorf("name is %d characters long; MySQL allows at most 64 (shorten it)", utf8.RuneCountInString(ident))
	case strings.HasSuffix(ident, " "):
		return errors.New("name ends with a space, which MySQL does not allow")
	case strings.IndexByte(ident, 0) >= 0:
		return errors.New("name contains a NUL byte")
	}
	return nil
}

func (mysql) lengthExpr(col string) string { return "CHAR_LENGTH(" + col + ")" }

// features: MySQL adds and drops indexes inside the table's one ALTER
// TABLE (so that a table is rebuilt at most once), resolves an unqualified
// reference in the referencing table's database, and cannot change the type
// of a column a foreign key uses.
func (mysql) features() features {
	return alterIndexes | qualifyRefs | fkTypesLocked | setNullNeedsNull
}

// sameAction: InnoDB treats RESTRICT and NO ACTION alike (both are checked
// at once), and MariaDB reports RESTRICT for a foreign key declared without
// a rule.
func (mysql) sameAction(a, b string) bool {
	canon := func(s string) string {
		if s == "RESTRICT" {
			return "NO ACTION"
		}
		return s
	}
	return canon(a) == canon(b)
}

// checkIndex rejects indexes MySQL cannot build as declared.
func (my mysql) checkIndex(t *Table, ix *Index) error {
	switch {
	case strings.EqualFold(ix.Name, "PRIMARY"):
		return errors.New(`"PRIMARY" is the name MySQL reserves for the primary key (choose another name)`)
	case ix.Where != "":
		return errors.New("MySQL and MariaDB have no partial indexes (drop Where, or index a generated column)")
	case ix.Expr != "":
		return errors.New("expression indexes are not supported on MySQL and MariaDB (index a generated column instead)")
	case ix.Method != "" && ix.Method != "btree":
		return fmt.Errorf("MySQL and MariaDB (InnoDB) build B-tree indexes only: drop using:%s, or declare the index on PostgreSQL alone", ix.Method)
	}
	for _, name := range ix.Columns {
		c := t.Column(name)
		if c != nil && myLOB(c.Type) {
			return fmt.Errorf("column %q is %s, which MySQL can index only by a prefix (declare it as varchar(N), e.g. bun:\"type:varchar(255)\")", name, c.Type)
		}
	}
	return nil
}

// myUnquote parses s as one single-quoted MySQL string literal, with
// doubled quotes and backslash escapes.
func myUnquote(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch e := s[i]; e {
			case '0':
				b.WriteByte(0)
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if i != len(s)-1 {
				return "", false // more follows the literal
			}
			return b.String(), true
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// myQuote writes s as a MySQL string literal.
func myQuote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

// myAttrs are what a MODIFY COLUMN must repeat so as not to lose them:
// MySQL replaces the whole column definition with the one given.
type myAttrs struct {
	collation string // when it differs from the table's
	comment   string
	invisible bool
	check     string // MariaDB: the column's own CHECK constraint
}

// myLiteral reports whether s is a literal MySQL takes as a plain default:
// a string, a number, a boolean, a bit or hex value.
func myLiteral(s string) bool {
	s = myIntroducer.ReplaceAllString(strings.TrimSpace(s), "'")
	if _, ok := myUnquote(s); ok {
		return true
	}
	if _, ok := canonicalNumber(s); ok {
		return true
	}
	switch strings.ToLower(s) {
	case "true", "false":
		return true
	}
	return myBitLiteral.MatchString(s) || myHexLiteral.MatchString(s)
}

var myHexLiteral = regexp.MustCompile(`^(?i)(x'[0-9a-f]*'|0x[0-9a-f]+)$`)

// transactional: MySQL commits every DDL statement on its own.
func (mysql) transactional() bool { return false }
