package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwaygo/slipway/internal/testdb"
)

// A foreign key added in place (foreign_key_checks off, so without looking
// at the rows) over rows it does not hold — written after the prechecks —
// is dropped again, and the statement fails saying why.
func TestMySQLForeignKeyAddedInPlaceIsCheckedAfter(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.MySQL)
	for _, q := range []string{
		"CREATE TABLE owners (id bigint NOT NULL PRIMARY KEY)",
		"CREATE TABLE pets (id bigint NOT NULL PRIMARY KEY, owner_id bigint NULL)",
		"INSERT INTO pets VALUES (1, 7)", // no owner 7
	} {
		_, err := db.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	my := mysql{}
	pets := &Table{Name: "pets"}
	fk := &ForeignKey{Name: "pets_owner_id_fkey", Columns: []string{"owner_id"}, RefTable: "owners", RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}
	ss := my.alterTable(pets, pets, []*Change{{Kind: AddForeignKey, Name: fk.Name, fk: fk}})
	require.Len(t, ss, 1)
	require.True(t, ss[0].noFKChecks)

	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	err = my.exec(t.Context(), conn, ss[0], lockSettings{wait: DefaultLockTimeout, ddl: DefaultDDLLockTimeout})
	assert.ErrorContains(t, err, "1 row written while the foreign key was added reference no row of the referenced table: the foreign keys were dropped again")
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()").Scan(&n))
	assert.Zero(t, n, "the foreign key was dropped")
	var checks int
	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT @@SESSION.foreign_key_checks").Scan(&checks))
	assert.Equal(t, 1, checks, "foreign_key_checks restored on the connection")
}
