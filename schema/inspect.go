package schema

// snapshot is what an inspection found.
type snapshot struct {
	// current is the connection's current schema (PostgreSQL) or database.
	current string
	tables  map[tableKey]*Table
	// others holds relations that are not tables (views, sequences, ...)
	// under a requested name, with their kind.
	others map[tableKey]string
	// views holds the requested views (PostgreSQL: and materialized views)
	// with their columns, for discovery; the engine uses others.
	views map[tableKey]*Table
	// referencedBy lists, per requested table, the foreign keys of any table
	// that reference it.
	referencedBy map[tableKey][]inboundFK
	// missingSchemas are the schemas (MySQL: databases) that requested
	// tables name and the database does not have.
	missingSchemas map[string]bool
}

func newSnapshot() *snapshot {
	return &snapshot{tables: map[tableKey]*Table{}, others: map[tableKey]string{}, views: map[tableKey]*Table{},
		referencedBy: map[tableKey][]inboundFK{}, missingSchemas: map[string]bool{}}
}

type inboundFK struct {
	from tableKey
	fk   *ForeignKey
}

func (s *snapshot) table(schema, name string) *Table {
	return s.tables[keyOf(schema, name, s.current)]
}

// viewColumn adds a column of a requested view.
func (s *snapshot) viewColumn(key tableKey, c *Column) {
	v := s.views[key]
	if v == nil {
		v = &Table{Schema: s.display(key.schema), Name: key.name}
		s.views[key] = v
	}
	v.Columns = append(v.Columns, c)
}

// display drops the schema when it is the current one, so that live and
// model tables print the same way.
func (s *snapshot) display(schema string) string {
	if schema == s.current {
		return ""
	}
	return schema
}
