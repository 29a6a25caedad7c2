package schema

// snapshot is what an inspection found.
type snapshot struct {
	// current is the connection's current schema (PostgreSQL) or database.
	current string
	tables  map[tableKey]*Table
	// others holds relations that are not tables (views, sequences, ...)
	// under a requested name, with their kind.
	others map[tableKey]string
	// referencedBy lists, per requested table, the foreign keys of any table
	// that reference it.
	referencedBy map[tableKey][]inboundFK
	// missingSchemas are the schemas (MySQL: databases) that requested
	// tables name and the database does not have.
	missingSchemas map[string]bool
}

func newSnapshot() *snapshot {
	return &snapshot{tables: map[tableKey]*Table{}, others: map[tableKey]string{}, referencedBy: map[tableKey][]inboundFK{}, missingSchemas: map[string]bool{}}
}

type inboundFK struct {
	from tableKey
	fk   *ForeignKey
}

func (s *snapshot) table(schema, name string) *Table {
	return s.tables[keyOf(schema, name, s.current)]
}

// display drops the schema when it is the current one, so that live and
// model tables print the same way.
func (s *snapshot) display(schema string) string {
	if schema == s.current {
		return ""
	}
	return schema
}
