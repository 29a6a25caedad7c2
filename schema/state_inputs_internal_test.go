package schema

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jinzhu/inflection"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	bundialect "github.com/uptrace/bun/dialect"
	bunschema "github.com/uptrace/bun/schema"

	"github.com/slipwaygo/slipway/internal/testdb"
)

// The quick path (state_inputs.go): a start whose models' inputs and
// catalog stamp are those kept returns the empty plan without building the
// model tables; any change to the inputs builds them.

type quickOwner struct {
	bun.BaseModel `bun:"table:quick_owners"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:"type:varchar(40),notnull" slipway:"index"`
}

type quickPet struct {
	bun.BaseModel `bun:"table:quick_pets"`
	ID            int64       `bun:",pk,autoincrement"`
	OwnerID       int64       `bun:",notnull"`
	Owner         *quickOwner `bun:"rel:belongs-to,join:owner_id=id"`
}

// quickPetRenamed is quickPet under another Go name: other inputs, the
// same table.
type quickPetRenamed struct {
	bun.BaseModel `bun:"table:quick_pets"`
	ID            int64       `bun:",pk,autoincrement"`
	OwnerID       int64       `bun:",notnull"`
	Owner         *quickOwner `bun:"rel:belongs-to,join:owner_id=id"`
}

// settleQuick migrates until the state is kept (MariaDB keeps no stamp
// younger than two seconds).
func settleQuick(t *testing.T, db *bun.DB, models ...any) {
	t.Helper()
	ctx := context.Background()
	_, err := NewMigrator(db, models...).Migrate(ctx, MigrateOptions{})
	require.NoError(t, err)
	if db.Dialect().Name() == bundialect.MySQL {
		time.Sleep(2100 * time.Millisecond)
	}
	plan, err := NewMigrator(db, models...).Migrate(ctx, MigrateOptions{})
	require.NoError(t, err)
	require.True(t, plan.Empty())
}

// quickRun migrates with a new migrator and reports whether it built the
// model tables.
func quickRun(t *testing.T, db *bun.DB, models ...any) (*Plan, bool) {
	t.Helper()
	m := NewMigrator(db, models...)
	plan, err := m.Migrate(context.Background(), MigrateOptions{})
	require.NoError(t, err)
	return plan, m.models != nil
}

func TestQuickPath_BuildsNoTables(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		models := []any{(*quickOwner)(nil), (*quickPet)(nil)}
		settleQuick(t, db, models...)

		plan, built := quickRun(t, db, models...)
		assert.True(t, plan.Empty())
		assert.False(t, built, "a matching start builds no tables")
		assert.Equal(t, []string{"quick_owners", "quick_pets"}, plan.Tables())

		m := NewMigrator(db, models...)
		ok, err := m.IsActual(context.Background())
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Nil(t, m.models, "IsActual takes the quick path too")

		// A hand change: the stamp differs, the tables are built and the
		// change found.
		_, err = db.ExecContext(context.Background(), "CREATE INDEX quick_extra_idx ON quick_owners (name, id)")
		require.NoError(t, err)
		plan, built = quickRun(t, db, models...)
		assert.True(t, built)
		assert.Equal(t, []string{"DropIndex(withheld)"}, kinds(plan))

		// A selection never takes the quick path.
		m = NewMigrator(db, models...)
		_, err = m.Plan(context.Background(), MigrateOptions{Models: []string{"quickOwner"}})
		require.NoError(t, err)
		assert.NotNil(t, m.models)
	})
}

func kinds(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		k := string(c.Kind)
		if c.Withheld {
			k += "(withheld)"
		}
		out = append(out, k)
	}
	return out
}

// Other inputs that build the same tables: the run builds them, finds the
// database actual, and keeps the new inputs for the next run.
func TestQuickPath_NewInputsSameTables(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		settleQuick(t, db, (*quickOwner)(nil), (*quickPet)(nil))
		renamed := []any{(*quickOwner)(nil), (*quickPetRenamed)(nil)}
		plan, built := quickRun(t, db, renamed...)
		assert.True(t, plan.Empty())
		assert.True(t, built, "new inputs: the tables are built")
		if db.Dialect().Name() == bundialect.MySQL {
			time.Sleep(2100 * time.Millisecond) // in case the stamp was too young
			quickRun(t, db, renamed...)
		}
		plan, built = quickRun(t, db, renamed...)
		assert.True(t, plan.Empty())
		assert.False(t, built, "the new inputs were kept")
		_, built = quickRun(t, db, (*quickOwner)(nil), (*quickPet)(nil))
		assert.True(t, built, "the old inputs are no longer the kept ones")
	})
}

// A state table of an older shape is replaced, not trusted.
func TestQuickPath_OldStateTableReplaced(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		_, err := db.ExecContext(ctx, `CREATE TABLE `+stateTable+` (scope varchar(64) PRIMARY KEY, models varchar(64) NOT NULL,
			stamp varchar(64) NOT NULL)`)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, `INSERT INTO `+stateTable+` VALUES ('a', 'b', 'c')`)
		require.NoError(t, err)
		models := []any{(*quickOwner)(nil), (*quickPet)(nil)}
		settleQuick(t, db, models...)
		_, built := quickRun(t, db, models...)
		assert.False(t, built)
		var n int
		require.NoError(t, db.NewRaw("SELECT count(*) FROM "+stateTable+" WHERE scope = 'a'").Scan(ctx, &n))
		assert.Zero(t, n, "the old table's rows are gone")
	})
}

// Every input of a model table changes the inputs digest.
func TestInputsDigest(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	d, err := dialectFor(db)
	require.NoError(t, err)
	digest := func(models ...any) string {
		t.Helper()
		s := digestInputs(db, d, models)
		require.NotEmpty(t, s)
		return s
	}
	field := func(name string, typ reflect.Type, tag string) reflect.StructField {
		return reflect.StructField{Name: name, Type: typ, Tag: reflect.StructTag(tag)}
	}
	base := []reflect.StructField{
		{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: `bun:"table:t"`},
		field("ID", reflect.TypeFor[int64](), `bun:",pk"`),
		field("Name", reflect.TypeFor[string](), `bun:",notnull"`),
	}
	model := func(fields ...reflect.StructField) any { return reflect.New(reflect.StructOf(fields)).Interface() }
	with := func(i int, f reflect.StructField) []reflect.StructField {
		out := append([]reflect.StructField(nil), base...)
		out[i] = f
		return out
	}
	seen := map[string]string{}
	add := func(name string, models ...any) {
		t.Helper()
		s := digest(models...)
		if other, dup := seen[s]; dup {
			t.Errorf("%s has the digest of %s", name, other)
		}
		seen[s] = name
	}
	add("base", model(base...))
	assert.Equal(t, digest(model(base...)), digest(model(base...)), "the digest is stable")
	add("a tag", model(with(2, field("Name", reflect.TypeFor[string](), `bun:",nullzero"`))...))
	add("a slipway tag", model(with(2, field("Name", reflect.TypeFor[string](), `bun:",notnull" slipway:"index"`))...))
	add("a field name", model(with(2, field("Title", reflect.TypeFor[string](), `bun:",notnull"`))...))
	add("a field type", model(with(2, field("Name", reflect.TypeFor[[]byte](), `bun:",notnull"`))...))
	add("a pointer", model(with(2, field("Name", reflect.TypeFor[*string](), `bun:",notnull"`))...))
	add("a field more", model(append(base, field("Age", reflect.TypeFor[int32](), ""))...))
	add("the table", model(with(0, reflect.StructField{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: `bun:"table:u"`})...))
	add("two models", model(base...), (*quickOwner)(nil))
	add("order", (*quickOwner)(nil), model(base...))

	// A change in a referenced type, two levels down.
	inner := func(tag string) reflect.Type {
		return reflect.StructOf([]reflect.StructField{field("ID", reflect.TypeFor[int64](), tag)})
	}
	add("a relation", model(append(base, field("Ref", reflect.PointerTo(inner(`bun:",pk"`)), `bun:"rel:belongs-to"`))...))
	add("its target's tag", model(append(base, field("Ref", reflect.PointerTo(inner(`bun:",pk,type:integer"`)), `bun:"rel:belongs-to"`))...))

	// Declared indexes and checks: every exported field.
	decl := func(ixs []Index, chs []Check) string {
		w := &inputWriter{seen: map[reflect.Type]int{}}
		w.indexes(ixs)
		w.checks(chs)
		return string(w.buf)
	}
	ix := Index{Name: "n", Columns: []string{"a"}, Desc: []bool{false}}
	check := Check{Name: "c", Expr: "a > 0"}
	declSeen := map[string]string{decl([]Index{ix}, []Check{check}): "declared"}
	addDecl := func(name string, ixs []Index, chs []Check) {
		s := decl(ixs, chs)
		if other, dup := declSeen[s]; dup {
			t.Errorf("%s is written as %s is", name, other)
		}
		declSeen[s] = name
	}
	it := reflect.TypeFor[Index]()
	for i := range it.NumField() {
		f := it.Field(i)
		if !f.IsExported() {
			continue
		}
		changed := ix
		v := reflect.ValueOf(&changed).Elem().Field(i)
		switch {
		case v.Kind() == reflect.String:
			v.SetString("x")
		case v.Kind() == reflect.Bool:
			v.SetBool(true)
		case f.Type == reflect.TypeFor[[]bool]():
			v.Set(reflect.ValueOf([]bool{true}))
		case f.Type == reflect.TypeFor[[]string]():
			v.Set(reflect.ValueOf([]string{"b"}))
		default:
			t.Fatalf("Index.%s: a field of type %s this test does not change", f.Name, f.Type)
		}
		addDecl("Index."+f.Name, []Index{changed}, []Check{check})
	}
	ct := reflect.TypeFor[Check]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if !f.IsExported() {
			continue
		}
		changed := check
		reflect.ValueOf(&changed).Elem().Field(i).SetString("x")
		addDecl("Check."+f.Name, []Index{ix}, []Check{changed})
	}
	addDecl("no check", []Index{ix}, nil)

	// bun's table name inflector (process-wide: this test is not parallel,
	// so no parallel test builds a table meanwhile).
	before := digest(model(base...))
	bunschema.SetTableNameInflector(func(s string) string { return s })
	changed := digestInputs(testdb.Open(t, testdb.SQLite), d, []any{model(base...)})
	bunschema.SetTableNameInflector(inflection.Plural)
	assert.NotEqual(t, before, changed, "another inflector, another digest")
}

// quickPetWide is quickPet with one more column.
type quickPetWide struct {
	bun.BaseModel `bun:"table:quick_pets"`
	ID            int64       `bun:",pk,autoincrement"`
	OwnerID       int64       `bun:",notnull"`
	Owner         *quickOwner `bun:"rel:belongs-to,join:owner_id=id"`
	Legs          int64       `bun:",notnull,default:4"`
}

// Random sequences of migrations to a few model sets, revisited often, and
// changes by hand: whatever the quick path answers, a full inspection
// (WithoutSchemaState) answers the same.
func TestQuickPath_AgreesWithInspection(t *testing.T) {
	t.Parallel()
	variants := [][]any{
		{(*quickOwner)(nil), (*quickPet)(nil)},
		{(*quickOwner)(nil), (*quickPetRenamed)(nil)},
		{(*quickOwner)(nil), (*quickPetWide)(nil)},
		{(*quickOwner)(nil)},
	}
	drifts := []string{
		"CREATE INDEX quick_drift_idx ON quick_owners (id, name)",
		"DROP INDEX quick_owners_name_idx",
		"ALTER TABLE quick_owners ADD COLUMN drift integer",
		"DROP TABLE quick_pets",
		"CREATE TABLE quick_other (id integer PRIMARY KEY)",
	}
	for _, d := range []testdb.Dialect{testdb.SQLite, testdb.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(7, uint64(len(d))))
			hits := 0
			for step := range 80 {
				v := variants[rng.IntN(len(variants))]
				switch r := rng.IntN(10); {
				case r < 5:
					_, err := NewMigrator(db, v...).Migrate(ctx, MigrateOptions{AllowDataLoss: true})
					require.NoError(t, err, "step %d", step)
				case r < 7:
					// a drift fails when it does not apply (no such index): fine
					_, _ = db.ExecContext(ctx, drifts[rng.IntN(len(drifts))])
				}
				quick := NewMigrator(db, v...)
				got, err := quick.Plan(ctx, MigrateOptions{AllowDataLoss: true})
				require.NoError(t, err)
				if quick.models == nil {
					hits++
				}
				full, err := NewMigrator(db, append([]any{WithoutSchemaState()}, v...)...).Plan(ctx, MigrateOptions{AllowDataLoss: true})
				require.NoError(t, err)
				require.Equal(t, full.SQL(), got.SQL(), "step %d: the quick path and a full inspection disagree", step)
			}
			t.Logf("%d quick of 80", hits)
			assert.Greater(t, hits, 10, "the quick path was taken")
		})
	}
}
