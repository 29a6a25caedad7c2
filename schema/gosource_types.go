package schema

import (
	"strings"
)

// Go types of discovered columns, per dialect.

// goTypeOf picks a field's Go type for a column type of dialect d, or says
// why there is none.
func goTypeOf(d dialect, t ColumnType) (goType, string) {
	if t.Array {
		elem := t
		elem.Array = false
		et, why := goTypeOf(d, elem)
		switch {
		case why != "":
			return goType{}, why
		case et.nilable || et.pkg != "":
			et = goString // an array of what bun cannot scan element by element: as text
		}
		return sliceOf(et), ""
	}
	switch d.name() {
	case "PostgreSQL":
		return pgGoType(t), ""
	case "MySQL":
		return myGoType(t), ""
	default:
		return sqliteGoType(t)
	}
}

func pgGoType(t ColumnType) goType {
	switch t.Name {
	case "boolean":
		return goBool
	case "smallint":
		return goInt16
	case "integer":
		return goInt32
	case "bigint":
		return goInt64
	case "real":
		return goFloat32
	case "double precision":
		return goFloat64
	case "timestamptz", "timestamp", "date":
		return goTime
	case "bytea":
		return goBytes
	case "json", "jsonb":
		return goJSON
	}
	return goString // text, numeric, uuid, enums, time, interval, inet, ...
}

func myGoType(t ColumnType) goType {
	ints := map[string][2]goType{
		"tinyint": {goInt8, goUint8}, "smallint": {goInt16, goUint16},
		"mediumint": {goInt32, goUint32}, "int": {goInt32, goUint32}, "bigint": {goInt64, goUint64},
	}
	switch {
	case t.Name == "tinyint" && len(t.Args) == 1 && t.Args[0] == "1":
		return goBool
	case ints[t.Name][0].src != "" && t.Unsigned:
		return ints[t.Name][1]
	case ints[t.Name][0].src != "":
		return ints[t.Name][0]
	case t.Name == "year":
		return goInt16
	case t.Name == "float":
		return goFloat32
	case t.Name == "double":
		return goFloat64
	case t.Name == "date" || t.Name == "datetime" || t.Name == "timestamp":
		return goTime
	case t.Name == "json":
		return goJSON
	case myBlobRank[t.Name] > 0, t.Name == "binary", t.Name == "varbinary", t.Name == "bit",
		t.Name == "geometry", t.Name == "point", t.Name == "linestring", t.Name == "polygon",
		t.Name == "multipoint", t.Name == "multilinestring", t.Name == "multipolygon", t.Name == "geometrycollection":
		return goBytes
	}
	return goString // char, varchar, text, decimal, enum, set, time, ...
}

func sqliteGoType(t ColumnType) (goType, string) {
	switch name := t.Name; {
	case name == "":
		return goType{}, "it has no declared type, and a model cannot declare a column without one (bun needs an SQL type)"
	case name == "boolean":
		return goBool, ""
	case name == "date", strings.Contains(name, "datetime"), strings.Contains(name, "timestamp"):
		return goTime, ""
	case name == "json":
		return goJSON, ""
	}
	switch sqliteAffinity(t.Name) {
	case "integer":
		return goInt64, ""
	case "text":
		return goString, ""
	case "blob":
		return goBytes, ""
	case "real":
		return goFloat64, ""
	}
	return goString, "" // numeric, decimal: exact as text
}
