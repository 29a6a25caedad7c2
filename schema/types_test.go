package schema_test

import (
	"database/sql"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/internal/testdb"
	"github.com/slipwaygo/slipway/schema"
)

type embeddedAudit struct {
	CreatedAt time.Time `bun:",nullzero,notnull,default:current_timestamp"`
	UpdatedAt time.Time `bun:",nullzero"`
}

// everyType holds one field of every common Go type, the way bun maps it on
// every dialect.
type everyType struct {
	bun.BaseModel `bun:"table:every_types"`

	ID          int64 `bun:",pk,autoincrement"`
	Int         int
	Int8        int8
	Int16       int16
	Int32       int32
	Int64       int64
	Uint        uint
	Uint8       uint8
	Uint16      uint16
	Uint32      uint32
	Uint64      uint64
	Float32     float32
	Float64     float64
	Bool        bool
	String      string
	NotNullStr  string `bun:",notnull"`
	Varchar     string `bun:"type:varchar(120)"`
	Text        string `bun:"type:text"`
	Char        string `bun:"type:char(3)"`
	Bytes       []byte
	Time        time.Time
	Date        time.Time `bun:"type:date"`
	PtrInt      *int64
	PtrString   *string
	PtrTime     *time.Time
	PtrBool     *bool
	PtrFloat    *float64
	NullString  sql.NullString
	NullInt64   sql.NullInt64
	NullInt32   sql.NullInt32
	NullBool    sql.NullBool
	NullFloat   sql.NullFloat64
	NullTime    sql.NullTime
	BunNullTime bun.NullTime
	Map         map[string]any
	Struct      struct{ A, B int }
	Slice       []string
	RawJSON     json.RawMessage
	Decimal     string    `bun:"type:decimal(10,2)"`
	Numeric     string    `bun:"type:numeric(12,4),notnull,default:0"` // SQLite hands integral NUMERIC values back as integers, which bun cannot scan into a float64
	StrDefault  string    `bun:",notnull,default:'hello'"`
	QuoteDeflt  string    `bun:"type:varchar(20),default:'it''s'"`
	EmptyDeflt  string    `bun:"type:varchar(20),notnull,default:''"`
	IntDefault  int       `bun:",notnull,default:-1"`
	BoolDefault bool      `bun:",notnull,default:true"`
	BoolFalse   bool      `bun:",notnull,default:false"`
	FloatDeflt  float64   `bun:",notnull,default:1.5"`
	TimeDefault time.Time `bun:",notnull,default:current_timestamp"`
	Unique      string    `bun:"type:varchar(50),unique"`
	GroupA      int64     `bun:",unique:grp_ab"`
	GroupB      int64     `bun:",unique:grp_ab"`
	Indexed     string    `bun:"type:varchar(50)" slipway:"index"`
	CompositeA  int64     `slipway:"index:every_types_composite_idx"`
	CompositeB  int64     `slipway:"index:every_types_composite_idx"`
	UniqueIdx   string    `bun:"type:varchar(50)" slipway:"unique_index"`
	embeddedAudit
	Prefixed embeddedAudit `bun:"embed:p_"`
}

func TestTypeMatrix_NoSpuriousDiffs(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		m := schema.NewMigrator(db, (*everyType)(nil))
		plan, err := m.Migrate(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		require.NotEmpty(t, plan.SQL())

		again, err := m.Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, again.Changes, "a second plan must find nothing:\n%s", again)

		actual, err := m.IsActual(t.Context())
		require.NoError(t, err)
		assert.True(t, actual)

		// A row of every type goes in and comes back.
		row := &everyType{Int: -1, Int8: -8, Uint64: 1 << 62, Float32: 1.25, Bool: true, String: "s", NotNullStr: "n",
			Char: "abc", Bytes: []byte{0, 1, 2}, Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Date: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
			Map: map[string]any{"k": "v"}, Slice: []string{"a"}, RawJSON: json.RawMessage(`{"x":1}`), Decimal: "12.50", Unique: "u", GroupA: 1, UniqueIdx: "x"}
		_, err = db.NewInsert().Model(row).Exec(t.Context())
		require.NoError(t, err)
		got := new(everyType)
		require.NoError(t, db.NewSelect().Model(got).Where("id = ?", row.ID).Scan(t.Context()))
		assert.Equal(t, "hello", got.StrDefault)
		assert.Equal(t, -1, got.IntDefault)
		assert.True(t, got.BoolDefault)
		assert.Equal(t, 1.5, got.FloatDeflt)
		assert.Equal(t, "it's", got.QuoteDeflt)
	})
}

// Tables made by bun's own CreateTable are already actual: users coming from
// bun see no spurious changes.
func TestTypeMatrix_TablesFromBunCreateTableAreActual(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		for _, model := range []any{(*ownerV1)(nil), (*petFK)(nil), (*bunOnly)(nil)} {
			_, err := db.NewCreateTable().Model(model).WithForeignKeys().Exec(t.Context())
			require.NoError(t, err)
		}
		plan, err := schema.NewMigrator(db, (*ownerV1)(nil), (*petFK)(nil), (*bunOnly)(nil)).Plan(t.Context(), schema.MigrateOptions{})
		require.NoError(t, err)
		assert.Empty(t, plan.Changes, "plan:\n%s", plan)
	})
}

// bunOnly is everyType without what bun's CreateTable cannot express
// (Slipway's index tags).
type bunOnly struct {
	bun.BaseModel `bun:"table:bun_only"`

	ID          int64 `bun:",pk,autoincrement"`
	Int32       int32
	Uint16      uint16
	Float32     float32
	Bool        bool
	String      string
	Varchar     string `bun:"type:varchar(120),notnull"`
	Bytes       []byte
	Time        time.Time
	PtrTime     *time.Time
	NullString  sql.NullString
	Map         map[string]any
	Decimal     string    `bun:"type:decimal(10,2)"`
	StrDefault  string    `bun:",notnull,default:'hello'"`
	IntDefault  int       `bun:",notnull,default:-1"`
	BoolDefault bool      `bun:",notnull,default:true"`
	TimeDefault time.Time `bun:",notnull,default:current_timestamp"`
	Unique      string    `bun:"type:varchar(50),unique"`
	GroupA      int64     `bun:",unique:bun_only_grp"`
	GroupB      int64     `bun:",unique:bun_only_grp"`
}

// PostgreSQL's own types: arrays, uuid, jsonb defaults, inet, identity.
type pgTypes struct {
	bun.BaseModel `bun:"table:pg_types"`

	ID       int64          `bun:",pk,identity"`
	UUID     string         `bun:"type:uuid,notnull,default:gen_random_uuid()"`
	Ints     []int64        `bun:",array"`
	Strings  []string       `bun:"type:varchar(10)[]"`
	Texts    []string       `bun:",array,notnull,default:'{}'"`
	JSONB    map[string]any `bun:"type:jsonb,notnull,default:'{}'"`
	JSON     map[string]any `bun:"type:json"`
	IP       net.IP
	Net      net.IPNet
	TSz3     time.Time         `bun:"type:timestamptz(3)"`
	Interval time.Duration     `bun:"type:interval"`
	Small    int16             `bun:",notnull,default:'-5'"`
	Money    float64           `bun:"type:double precision,default:(0)"`
	Now      time.Time         `bun:",notnull,default:now()"`
	LocalTS  time.Time         `bun:"type:timestamp,default:localtimestamp"`
	Lowered  string            `bun:",default:lower('ABC')"`
	Serial   int32             `bun:",autoincrement"`
	Hstore   map[string]string `bun:",hstore"`
}

func TestTypeMatrix_PostgresTypes(t *testing.T) {
	t.Parallel()
	// An extension is database-wide: this test gets a database of its own.
	db := testdb.OpenURL(t, testdb.PostgresDatabaseURL(t))
	_, err := db.ExecContext(t.Context(), "CREATE EXTENSION hstore")
	require.NoError(t, err)
	m := schema.NewMigrator(db, (*pgTypes)(nil))
	_, err = m.Migrate(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	again, err := m.Plan(t.Context(), schema.MigrateOptions{})
	require.NoError(t, err)
	assert.Empty(t, again.Changes, "plan:\n%s", again)
}
