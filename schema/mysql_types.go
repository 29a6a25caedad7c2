package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// MySQL and MariaDB types: canonical spellings, defaults (as both servers
// report them), widening, the foreign keys InnoDB can join, and how a type
// change converts values.

// fkTypesMatch: InnoDB joins integers of the same size and signedness,
// decimals of the same precision and scale, and strings of any length; other
// types must be the same.
func (mysql) fkTypesMatch(child, parent ColumnType) bool {
	switch {
	case myIntRank[child.Name] > 0:
		return child.Name == parent.Name && child.Unsigned == parent.Unsigned
	case myTextual(child) && child.Name != "enum" && child.Name != "set":
		return myTextual(parent) && parent.Name != "enum" && parent.Name != "set"
	case child.Name == "varbinary" || child.Name == "binary":
		return parent.Name == "varbinary" || parent.Name == "binary"
	}
	return child.equal(parent)
}

// myTypeNames maps MySQL's type aliases to the names its catalog reports.
var myTypeNames = map[string]string{
	"integer": "int", "int4": "int", "int1": "tinyint", "int2": "smallint", "int3": "mediumint",
	"middleint": "mediumint", "int8": "bigint",
	"bool": "tinyint", "boolean": "tinyint",
	"double precision": "double", "real": "double", "float8": "double", "float4": "float",
	"numeric": "decimal", "dec": "decimal", "fixed": "decimal",
	"character varying": "varchar", "character": "char", "nchar": "char", "national char": "char",
	"national character": "char", "nvarchar": "varchar", "national varchar": "varchar",
	"national character varying": "varchar", "nchar varchar": "varchar",
	"long varchar": "mediumtext", "long": "mediumtext", "long varbinary": "mediumblob",
}

var myIntRank = map[string]int{"tinyint": 1, "smallint": 2, "mediumint": 3, "int": 4, "bigint": 5}

// myIntBits is how many value bits each integer type has (signed types one
// fewer).
var myIntBits = map[string]int{"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}

var myTextRank = map[string]int{"tinytext": 1, "text": 2, "mediumtext": 3, "longtext": 4}

var myBlobRank = map[string]int{"tinyblob": 1, "blob": 2, "mediumblob": 3, "longblob": 4}

func (mysql) parseType(s string) (ColumnType, error) {
	base, args, array, err := splitType(s)
	if err != nil {
		return ColumnType{}, err
	}
	if array {
		return ColumnType{}, errors.New("MySQL has no array types (store a JSON document instead)")
	}
	words := strings.Fields(strings.ToLower(base))
	var t ColumnType
	for len(words) > 1 && (words[len(words)-1] == "unsigned" || words[len(words)-1] == "signed" || words[len(words)-1] == "zerofill") {
		t.Unsigned = t.Unsigned || words[len(words)-1] != "signed" // ZEROFILL implies UNSIGNED
		words = words[:len(words)-1]
	}
	name := strings.Join(words, " ")
	if slices.Contains(words, "collate") || slices.Contains(words, "charset") || strings.Contains(name, "character set") {
		return ColumnType{}, errors.New("character set and collation are not part of the type on MySQL (set them on the database or table)")
	}
	isBool := name == "bool" || name == "boolean"
	if canonical, ok := myTypeNames[name]; ok {
		name = canonical
	}
	t.Name, t.Args = name, args
	switch {
	case myIntRank[name] > 0:
		// Display widths mean nothing (MySQL 8.0.19 stopped reporting them,
		// MariaDB still does), except tinyint(1), the spelling of a boolean.
		t.Args = nil
		if isBool || (name == "tinyint" && len(args) == 1 && args[0] == "1") {
			t.Args = []string{"1"}
		}
	case name == "decimal":
		switch len(args) {
		case 0:
			t.Args = []string{"10", "0"}
		case 1:
			t.Args = []string{args[0], "0"}
		}
	case name == "float" && len(args) == 1:
		t.Args = nil
		if p, err := strconv.Atoi(args[0]); err == nil && p > 24 {
			t.Name = "double"
		}
	case name == "char" || name == "binary" || name == "bit":
		if len(args) == 0 {
			t.Args = []string{"1"}
		}
	case name == "datetime" || name == "timestamp" || name == "time":
		if len(args) == 1 && args[0] == "0" {
			t.Args = nil
		}
	case name == "year":
		t.Args = nil
	case name == "serial": // BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
		t.Name, t.Unsigned = "bigint", true
	case (name == "text" || name == "blob") && len(args) == 1:
		// TEXT(n) and BLOB(n) become the smallest type holding n characters
		// (4 bytes each in utf8mb4) or bytes.
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return ColumnType{}, fmt.Errorf("bad length %q", args[0])
		}
		if name == "text" {
			n *= 4
		}
		size := "long"
		switch {
		case n < 1<<8:
			size = "tiny"
		case n < 1<<16:
			size = ""
		case n < 1<<24:
			size = "medium"
		}
		t.Name, t.Args = size+name, nil
	}
	return t, nil
}

// myLOB reports the types MySQL stores off-row: they take no plain default
// and no index without a prefix length.
func myLOB(t ColumnType) bool {
	return myTextRank[t.Name] > 0 || myBlobRank[t.Name] > 0 || t.Name == "json" ||
		t.Name == "geometry" || t.Name == "point" || t.Name == "linestring" || t.Name == "polygon"
}

// myTextual reports the types that have a collation.
func myTextual(t ColumnType) bool {
	return t.Name == "varchar" || t.Name == "char" || myTextRank[t.Name] > 0 || t.Name == "enum" || t.Name == "set"
}

func myNumeric(t ColumnType) bool {
	switch t.Name {
	case "decimal", "float", "double", "bit":
		return true
	}
	return myIntRank[t.Name] > 0
}

func (mysql) widens(from, to ColumnType) bool {
	if from.Name == to.Name && from.Unsigned == to.Unsigned {
		switch from.Name {
		case "tinyint":
			return true // tinyint and tinyint(1) are the same storage
		case "varchar", "char", "varbinary", "bit":
			return to.Length() >= from.Length()
		case "decimal":
			return numericWidens(from, to)
		case "datetime", "timestamp", "time":
			return to.Precision() >= from.Precision()
		case "enum", "set":
			for _, v := range from.Args {
				if !slices.Contains(to.Args, v) {
					return false
				}
			}
			return true
		}
		return false
	}
	switch {
	case myIntRank[from.Name] > 0 && myIntRank[to.Name] > 0:
		// Signed to unsigned loses negative values; unsigned to signed needs
		// a wider type.
		if from.Unsigned == to.Unsigned {
			return myIntRank[to.Name] > myIntRank[from.Name]
		}
		return from.Unsigned && myIntRank[to.Name] > myIntRank[from.Name]
	case myIntRank[from.Name] > 0 && to.Name == "decimal":
		return (from.Unsigned || !to.Unsigned) && to.Precision()-to.Scale() >= myIntDigits(from)
	case myIntRank[from.Name] > 0 && (to.Name == "double" || to.Name == "float") && len(to.Args) == 0:
		// Exact while the integer fits the mantissa.
		mantissa := 53
		if to.Name == "float" {
			mantissa = 24
		}
		return (from.Unsigned || !to.Unsigned) && myIntBits[from.Name] <= mantissa
	case from.Name == "float" && to.Name == "double" && len(from.Args) == 0 && len(to.Args) == 0:
		return from.Unsigned || !to.Unsigned
	case (from.Name == "varchar" || from.Name == "char") && myTextRank[to.Name] > 0:
		// A tinytext holds 255 bytes, 63 characters of utf8mb4; a text
		// holds any varchar.
		return to.Name != "tinytext" || from.Length() <= 63
	case myTextRank[from.Name] > 0 && myTextRank[to.Name] > 0:
		return myTextRank[to.Name] > myTextRank[from.Name]
	case from.Name == "char" && to.Name == "varchar":
		return to.Length() >= from.Length()
	case from.Name == "varbinary" && myBlobRank[to.Name] > 0:
		return to.Name != "tinyblob" || from.Length() <= 255
	case myBlobRank[from.Name] > 0 && myBlobRank[to.Name] > 0:
		return myBlobRank[to.Name] > myBlobRank[from.Name]
	}
	return false
}

// myIntDigits is how many decimal digits the largest value of an integer
// type has.
func myIntDigits(t ColumnType) int {
	bits := myIntBits[t.Name]
	if !t.Unsigned {
		bits--
	}
	return len(strconv.FormatUint(math.MaxUint64>>(64-bits), 10))
}

// castExpr is a value converted to a numeric type, as a MODIFY COLUMN
// converts it (rounding to the type's scale). Other conversions are judged
// on the values as they are: strings compare under the column's collation,
// which a CAST would lose.
func (mysql) castExpr(col string, from, to ColumnType) (string, bool) {
	switch {
	case myIntRank[to.Name] > 0 && to.Unsigned:
		return "CAST(" + col + " AS UNSIGNED)", true
	case myIntRank[to.Name] > 0:
		return "CAST(" + col + " AS SIGNED)", true
	case to.Name == "decimal":
		return fmt.Sprintf("CAST(%s AS DECIMAL(%d,%d))", col, to.Precision(), to.Scale()), true
	case to.Name == "double":
		return "CAST(" + col + " AS DOUBLE)", true
	}
	return "", false
}

// probeConversion copies the column's values into a temporary column of the
// new type, which fails, in strict mode, where the ALTER TABLE would: on a
// value out of range, too long, or not a number.
func (my mysql) probeConversion(ctx context.Context, db bun.IDB, t *Table, col string, c *Change) (reason string, err error) {
	probe := my.quote("slipway_probe")
	drop := "DROP TEMPORARY TABLE IF EXISTS " + probe
	if _, err := db.ExecContext(ctx, drop); err != nil {
		return "", err
	}
	defer func() {
		if _, derr := db.ExecContext(context.WithoutCancel(ctx), drop); derr != nil {
			err = errors.Join(err, derr)
		}
	}()
	// Text to a number: INSERT ... SELECT converts '2.25' to an integer
	// without a word where ALTER TABLE fails (error 1292), so such values
	// are looked for first, as ALTER TABLE reads them.
	if pattern := myNumberText(c.old.Type, c.col.Type); pattern != "" {
		var bad string
		err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s IS NOT NULL AND NOT (%s REGEXP ?) LIMIT 1",
			my.quote(col), my.quoteTable(t), my.quote(col), my.quote(col)), pattern).Scan(&bad)
		switch {
		case err == nil:
			return fmt.Sprintf("cannot change column %q from %s to %s: the value %q is not a %s (correct or clear those values first)",
				c.Column, c.old.Type, c.col.Type, bad, c.col.Type), nil
		case !errors.Is(err, sql.ErrNoRows):
			return "", err
		}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TEMPORARY TABLE %s (v %s NULL)", probe, c.col.Type)); err != nil {
		return "", err
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (v) SELECT %s FROM %s", probe, my.quote(col), my.quoteTable(t)))
	if err == nil {
		return "", nil
	}
	if myDataError(err) {
		return fmt.Sprintf("cannot change column %q from %s to %s: %s (correct or clear those values first)", c.Column, c.old.Type, c.col.Type, myErrorText(err)), nil
	}
	return "", err
}

// myNumberText is the pattern of the text values ALTER TABLE converts to
// type to without an error, when from is a text type and to a number; ""
// otherwise. (Checked on MariaDB 10.11: spaces around and a sign are
// accepted; ”, '2.25' to an integer and '1e3' to an integer are not.)
func myNumberText(from, to ColumnType) string {
	if from.Name != "char" && from.Name != "varchar" && myTextRank[from.Name] == 0 {
		return ""
	}
	switch {
	case myIntRank[to.Name] > 0:
		return `^[[:space:]]*[-+]?[0-9]+[[:space:]]*$`
	case to.Name == "decimal" || to.Name == "double" || to.Name == "float":
		return `^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$`
	}
	return ""
}

var myErrorNumber = regexp.MustCompile(`^Error (\d+)(?: \([0-9A-Z]+\))?: `)

// myDataError reports the server errors of a value that does not fit a
// type: out of range, truncated, incorrect for the type, too long.
func myDataError(err error) bool {
	m := myErrorNumber.FindStringSubmatch(err.Error())
	if m == nil {
		return false
	}
	switch m[1] {
	case "1264", "1265", "1292", "1366", "1367", "1406", "1690", "3751", "4025":
		return true
	}
	return false
}

// myErrorText is a server error's message without the driver's prefix.
func myErrorText(err error) string {
	return myErrorNumber.ReplaceAllString(err.Error(), "")
}

// How InnoDB makes an ALTER TABLE, from the cheapest: in the catalog alone
// (INSTANT), in place while reads and writes go on (INPLACE, LOCK=NONE), or
// by copying the table, which blocks its writes until the copy ends.
const (
	myCopy = iota
	myInplace
	myInstant
)

// myAlgorithms spells each algorithm as an ALTER TABLE clause.
var myAlgorithms = [...]string{myCopy: "ALGORITHM=COPY", myInplace: "ALGORITHM=INPLACE, LOCK=NONE", myInstant: "ALGORITHM=INSTANT"}

// algorithm is the cheapest way InnoDB makes change c of table live (tried
// on MariaDB 10.11, and as MySQL 8.0's online DDL tables say). Where the
// server turns out to need more (INSTANT refused), exec falls back to the
// next way that still lets writes go on; it never copies a table the plan
// did not say it may.
func (mysql) algorithm(c *Change, live *Table) int {
	switch c.Kind {
	case AddColumn:
		d := strings.TrimSpace(c.col.defaultSQL())
		def, _ := mySplitOnUpdate(d)
		switch {
		case c.col.AutoIncrement:
			return myCopy // an AUTO_INCREMENT column needs a lock
		case d != "" && !myLiteral(def) && !myCurrentTimestamp.MatchString(canonicalExpr(def)):
			return myCopy // an expression default is evaluated for every row
		}
		return myInstant
	case DropColumn, SetDefault, DropDefault, DropCheck, SetComment:
		return myInstant
	case SetNotNull, DropNotNull, AddIndex, AddUnique, DropIndex, DropUnique, AddForeignKey, DropForeignKey, AddPrimaryKey:
		return myInplace
	case WidenType, ChangeType:
		if myVarcharInstant(c.old, c.target) {
			return myInstant
		}
		return myCopy
	}
	return myCopy // DropPrimaryKey alone, AUTO_INCREMENT changes
}

// myVarcharInstant reports whether a column's type change is a longer
// varchar whose length still takes as many bytes to store: below 256 bytes
// one, from 256 on two. Crossing that line copies the table.
func myVarcharInstant(from, to *Column) bool {
	if from == nil || to == nil || from.Type.Name != "varchar" || to.Type.Name != "varchar" || to.Type.Length() < from.Type.Length() {
		return false
	}
	bytes := max(from.charBytes, 1)
	return (from.Type.Length()*bytes < 256) == (to.Type.Length()*bytes < 256)
}

// blocks says which changes copy the table, which blocks its writes until
// the copy ends.
func (my mysql) blocks(c *Change, live *Table) (lock, instead string) {
	if my.algorithm(c, live) != myCopy {
		return "", ""
	}
	const copies = "copies the table (ALGORITHM=COPY), which blocks its writes until the copy ends"
	switch c.Kind {
	case WidenType, ChangeType:
		return "changing the column's type " + copies,
			fmt.Sprintf("add a %s column, fill it in batches, and swap it in, or use an online schema change tool (gh-ost, pt-online-schema-change)", c.col.Type)
	case AddColumn:
		if c.col.AutoIncrement {
			return "adding an AUTO_INCREMENT column " + copies, "add a nullable column, fill it in batches, then make it the key"
		}
		return "adding a column whose default is an expression " + copies, "add the column with a constant default or none, then fill it in batches"
	case DropPrimaryKey:
		return "dropping the primary key " + copies, "replace it in one statement with the new key"
	case AddCheck:
		return "adding a CHECK constraint " + copies, "add it at a quiet moment with --allow-blocking, or use an online schema change tool (gh-ost, pt-online-schema-change)"
	}
	return copies, "use an online schema change tool (gh-ost, pt-online-schema-change)"
}
