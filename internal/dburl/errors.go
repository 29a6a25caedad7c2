package dburl

// Refusal is why a database refused a statement because of the values in
// it, as opposed to a fault of the connection, the server or the SQL.
type Refusal string

// The refusals Classify recognises.
const (
	Unique     Refusal = "unique"      // a duplicate value in a unique column or key
	ForeignKey Refusal = "foreign key" // a reference to a row that does not exist, or a row still referenced
	NotNull    Refusal = "not null"    // NULL in a NOT NULL column
	Check      Refusal = "check"       // a CHECK constraint failed
	TooLong    Refusal = "too long"    // text longer than its column
	BadValue   Refusal = "bad value"   // a value the column's type cannot hold, or a bad regular expression
)

// Classify says whether err is a database refusing the values of a
// statement, and which refusal; "" for any other error. It asks the
// registered drivers, which know their error types.
func Classify(err error) Refusal {
	registry.RLock()
	defer registry.RUnlock()
	for _, dialect := range classifyOrder {
		if d, ok := registry.m[dialect]; ok && d.Classify != nil {
			if r := d.Classify(err); r != "" {
				return r
			}
		}
	}
	return ""
}

// PostgresRefusal maps a SQLSTATE.
func PostgresRefusal(code string) Refusal {
	switch code {
	case "23505":
		return Unique
	case "23503":
		return ForeignKey
	case "23502":
		return NotNull
	case "23514":
		return Check
	case "22001":
		return TooLong
	case "22P02", "22003", "22007", "22008", "22021", "2201B", "22023", "22P05":
		return BadValue
	}
	return ""
}

// MySQLRefusal maps a MySQL or MariaDB error number.
func MySQLRefusal(n uint16) Refusal {
	switch n {
	case 1062, 1586: // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
		return Unique
	case 1216, 1217, 1451, 1452: // ER_NO_REFERENCED_ROW, ER_ROW_IS_REFERENCED(_2), ER_NO_REFERENCED_ROW_2
		return ForeignKey
	case 1048, 1364: // ER_BAD_NULL_ERROR, ER_NO_DEFAULT_FOR_FIELD
		return NotNull
	case 3819, 4025: // MySQL ER_CHECK_CONSTRAINT_VIOLATED, MariaDB ER_CONSTRAINT_FAILED
		return Check
	case 1406: // ER_DATA_TOO_LONG
		return TooLong
	case 1139, 1264, 1265, 1292, 1366, 1367: // regexp, out of range, truncated, incorrect value
		return BadValue
	}
	if n >= 3685 && n <= 3699 { // MySQL 8's ER_REGEXP_* errors
		return BadValue
	}
	return ""
}

// SQLiteRefusal maps a SQLite extended result code.
func SQLiteRefusal(code int) Refusal {
	switch code {
	case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
		return Unique
	case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
		return ForeignKey
	case 1299: // SQLITE_CONSTRAINT_NOTNULL
		return NotNull
	case 275: // SQLITE_CONSTRAINT_CHECK
		return Check
	case 20: // SQLITE_MISMATCH
		return BadValue
	}
	return ""
}
