package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// modelCache holds the models a repository meets through relations.
type modelCache struct {
	db *bun.DB
	mu sync.Mutex
	m  map[reflect.Type]*model
}

func newModelCache(db *bun.DB, own *model) *modelCache {
	return &modelCache{db: db, m: map[reflect.Type]*model{own.typ: own}}
}

func (c *modelCache) get(typ reflect.Type) (*model, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.m[typ]; ok {
		return m, nil
	}
	m, err := newModel(c.db, typ)
	if err != nil {
		return nil, err
	}
	c.m[typ] = m
	return m, nil
}

// compiled is a filter with every name resolved and every value converted:
// what remains cannot fail on the caller's input.
type compiled struct {
	where     string
	whereArgs []any
	order     string // the ORDER BY list, arguments and all
	limit     int
	offset    int
	columns   []string // nil selects every column
	includes  []compiledInclude
	proj      Projection
}

// compiledInclude is one relation to load with the rows.
type compiledInclude struct {
	rel    *bunschema.Relation
	target *model
	scope  *compiled
}

// compile resolves a filter against model m.
func compile(models *modelCache, m *model, f *Filter) (*compiled, error) {
	c := new(compiled)
	if err := c.compile(models, m, f); err != nil {
		return nil, err
	}
	return c, nil
}

// compile resolves a filter against model m into c. Columns the filter
// does not select but the repository needs — the primary key, the keys
// that attach included rows — are selected too; the projection still
// leaves them out.
func (c *compiled) compile(models *modelCache, m *model, f *Filter) error {
	c.proj = Projection{m: m}
	if f == nil {
		return nil
	}
	var err error
	if c.where, c.whereArgs, err = m.whereSQL(f.Where, true); err != nil {
		return err
	}
	if c.order, err = m.orderSQL(f.Order); err != nil {
		return err
	}
	c.limit, c.offset = f.Limit, f.Offset
	return c.compileShape(models, m, f)
}

// compileShape resolves the filter's include and fields into c.
func (c *compiled) compileShape(models *modelCache, m *model, f *Filter) error {
	var relKeys []*bunschema.Field
	for _, inc := range f.Include {
		rel, err := m.relation(inc.Relation)
		if err != nil {
			return err
		}
		if len(rel.BasePKs) != 1 || len(rel.JoinPKs) != 1 {
			return &FieldError{Model: m.name, Field: inc.Relation, In: "include", Reason: "relations over composite keys cannot be included"}
		}
		relKeys = append(relKeys, rel.BasePKs...)
		target, err := models.get(rel.JoinTable.Type)
		if err != nil {
			return err
		}
		scope, err := compile(models, target, inc.Scope)
		if err != nil {
			return err
		}
		if scope.columns != nil {
			scope.columns = appendMissing(scope.columns, rel.JoinPKs)
		}
		c.includes = append(c.includes, compiledInclude{rel: rel, target: target, scope: scope})
		c.proj.include = append(c.proj.include, projectedRelation{
			name:   relationName(rel),
			field:  rel.Field,
			toMany: rel.Type == bunschema.HasManyRelation || rel.Type == bunschema.ManyToManyRelation,
			proj:   &scope.proj,
		})
	}
	shown, err := m.selection(f.Fields)
	if err != nil {
		return err
	}
	if shown != nil {
		c.proj.fields = map[string]bool{}
		for _, fld := range shown {
			c.proj.fields[jsonOrGo(fld)] = true
			c.columns = append(c.columns, fld.Name)
		}
		c.columns = appendMissing(c.columns, m.table.PKs)
		c.columns = appendMissing(c.columns, relKeys)
	}
	return nil
}

func appendMissing(cols []string, fields []*bunschema.Field) []string {
	for _, f := range fields {
		if !slices.Contains(cols, f.Name) {
			cols = append(cols, f.Name)
		}
	}
	return cols
}

// apply adds a compiled filter (but not its includes) to a select query.
func (c *compiled) apply(q *bun.SelectQuery) *bun.SelectQuery {
	q = c.applyWhere(q)
	if c.limit > 0 {
		q = q.Limit(int64(c.limit))
	}
	if c.offset > 0 {
		if c.limit <= 0 {
			q = q.Limit(math.MaxInt64) // SQLite and MySQL take OFFSET only after a LIMIT
		}
		q = q.Offset(int64(c.offset))
	}
	return q
}

// applyWhere adds the filter's where, order and columns.
func (c *compiled) applyWhere(q *bun.SelectQuery) *bun.SelectQuery {
	if c.where != "" {
		q = q.Where(c.where, c.whereArgs...)
	}
	if c.order != "" {
		q = q.OrderExpr(c.order)
	}
	if c.columns != nil {
		q = q.Column(c.columns...)
	}
	return q
}

// loadIncludes loads each included relation of parents (a slice of
// pointers to structs) with one query per relation — two for a
// many-to-many relation, whose links are read first — and sets the
// relation fields, as LoopBack's inclusion resolvers do. A scope narrows
// the related rows, never the parents. A scope's limit and offset apply
// per parent (one query per parent then); to-one relations ignore them.
func loadIncludes(ctx context.Context, db bun.IDB, parents reflect.Value, incs []compiledInclude) error {
	if parents.Len() == 0 {
		return nil
	}
	for _, inc := range incs {
		var err error
		if inc.rel.Type == bunschema.ManyToManyRelation {
			err = loadThrough(ctx, db, parents, inc)
		} else {
			err = loadDirect(ctx, db, parents, inc)
		}
		if err != nil {
			return fmt.Errorf("include %s: %w", relationName(inc.rel), err)
		}
	}
	return nil
}

// loadDirect loads a belongs-to, has-one or has-many relation: the parent's
// key (BasePKs) equals the target's (JoinPKs).
func loadDirect(ctx context.Context, db bun.IDB, parents reflect.Value, inc compiledInclude) error {
	parentKey, targetKey := inc.rel.BasePKs[0], inc.rel.JoinPKs[0]
	keys, values := distinctKeys(parents, parentKey)
	byKey := map[string][]reflect.Value{}
	perParent := inc.rel.Type == bunschema.HasManyRelation && (inc.scope.limit > 0 || inc.scope.offset > 0)
	switch {
	case len(values) == 0:
	case perParent:
		for i, v := range values {
			targets, err := queryTargets(ctx, db, inc, targetKey, []any{v}, true)
			if err != nil {
				return err
			}
			byKey[keys[i]] = sliceValues(targets)
		}
	default:
		targets, err := queryTargets(ctx, db, inc, targetKey, values, false)
		if err != nil {
			return err
		}
		for _, t := range sliceValues(targets) {
			if k, ok := keyOf(targetKey.Value(t.Elem())); ok {
				byKey[k] = append(byKey[k], t)
			}
		}
	}
	for i := range parents.Len() {
		p := parents.Index(i).Elem()
		k, _ := keyOf(parentKey.Value(p))
		setRelation(inc.rel.Field.Value(p), byKey[k])
	}
	return nil
}

// loadThrough loads a many-to-many relation: the links from the through
// table first, then the targets they name.
func loadThrough(ctx context.Context, db bun.IDB, parents reflect.Value, inc compiledInclude) error {
	rel := inc.rel
	parentKey, targetKey := rel.BasePKs[0], rel.JoinPKs[0]
	linkBase, linkTarget := rel.M2MBasePKs[0], rel.M2MJoinPKs[0]
	_, values := distinctKeys(parents, parentKey)
	links := map[string][]string{}  // parent key -> target keys, in link order
	targetValue := map[string]any{} // target key -> its value
	var targetValues []any
	if len(values) > 0 {
		rows := reflect.New(reflect.SliceOf(reflect.PointerTo(rel.M2MTable.Type)))
		err := db.NewSelect().Model(rows.Interface()).
			Column(linkBase.Name, linkTarget.Name).
			Where("? IN (?)", bun.Ident(linkBase.Name), bun.List(values)).
			Scan(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, l := range sliceValues(rows.Elem()) {
			pk, ok1 := keyOf(linkBase.Value(l.Elem()))
			tk, ok2 := keyOf(linkTarget.Value(l.Elem()))
			if !ok1 || !ok2 {
				continue
			}
			links[pk] = append(links[pk], tk)
			if _, ok := targetValue[tk]; !ok {
				targetValue[tk] = indirect(linkTarget.Value(l.Elem())).Interface()
				targetValues = append(targetValues, targetValue[tk])
			}
		}
	}
	perParent := inc.scope.limit > 0 || inc.scope.offset > 0
	byTarget := map[string]reflect.Value{}
	var ordered []string // target keys in the scope's order
	if len(targetValues) > 0 && !perParent {
		targets, err := queryTargets(ctx, db, inc, targetKey, targetValues, false)
		if err != nil {
			return err
		}
		for _, t := range sliceValues(targets) {
			if k, ok := keyOf(targetKey.Value(t.Elem())); ok {
				byTarget[k] = t
				ordered = append(ordered, k)
			}
		}
	}
	for i := range parents.Len() {
		p := parents.Index(i).Elem()
		pk, _ := keyOf(parentKey.Value(p))
		mine := links[pk]
		var found []reflect.Value
		switch {
		case len(mine) == 0:
		case perParent:
			var vals []any
			for _, k := range mine {
				vals = append(vals, targetValue[k])
			}
			targets, err := queryTargets(ctx, db, inc, targetKey, vals, true)
			if err != nil {
				return err
			}
			found = sliceValues(targets)
		default:
			for _, k := range ordered {
				if slices.Contains(mine, k) {
					found = append(found, byTarget[k])
				}
			}
		}
		setRelation(rel.Field.Value(p), found)
	}
	return nil
}

// queryTargets selects the targets whose key is one of values, narrowed by
// the include's scope, and loads their own includes. With paged, the
// scope's limit and offset apply.
func queryTargets(ctx context.Context, db bun.IDB, inc compiledInclude, key *bunschema.Field, values []any, paged bool) (reflect.Value, error) {
	rows := reflect.New(reflect.SliceOf(reflect.PointerTo(inc.target.typ)))
	q := db.NewSelect().Model(rows.Interface()).Where("?TableAlias.? IN (?)", bun.Ident(key.Name), bun.List(values))
	if paged {
		q = inc.scope.apply(q)
	} else {
		q = inc.scope.applyWhere(q)
	}
	if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return reflect.Value{}, err
	}
	if err := loadIncludes(ctx, db, rows.Elem(), inc.scope.includes); err != nil {
		return reflect.Value{}, err
	}
	return rows.Elem(), nil
}

// distinctKeys returns the distinct non-nil values of field in rows, as
// map keys and as query arguments.
func distinctKeys(rows reflect.Value, field *bunschema.Field) ([]string, []any) {
	var (
		keys   []string
		values []any
		seen   = map[string]bool{}
	)
	for i := range rows.Len() {
		v := field.Value(rows.Index(i).Elem())
		k, ok := keyOf(v)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		values = append(values, indirect(v).Interface())
	}
	return keys, values
}

// keyOf is a comparable form of a key value: int64(1) and *int64 pointing
// at 1 are the same key. Nil has none.
func keyOf(v reflect.Value) (string, bool) {
	v = indirect(v)
	if !v.IsValid() {
		return "", false
	}
	return fmt.Sprint(v.Interface()), true
}

// indirect follows pointers; the zero Value for a nil one.
func indirect(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func sliceValues(s reflect.Value) []reflect.Value {
	out := make([]reflect.Value, s.Len())
	for i := range out {
		out[i] = s.Index(i)
	}
	return out
}

// setRelation stores related rows (pointers) in a relation field: a
// pointer or struct for a to-one relation (the first row; nil or zero when
// there is none), a slice of pointers or structs for a to-many one (empty,
// not nil, when there is none).
func setRelation(field reflect.Value, rows []reflect.Value) {
	switch field.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(field.Type(), 0, len(rows))
		for _, r := range rows {
			if field.Type().Elem().Kind() == reflect.Pointer {
				s = reflect.Append(s, r)
			} else {
				s = reflect.Append(s, r.Elem())
			}
		}
		field.Set(s)
	case reflect.Pointer:
		if len(rows) == 0 {
			field.SetZero()
		} else {
			field.Set(rows[0])
		}
	case reflect.Struct:
		if len(rows) == 0 {
			field.SetZero()
		} else {
			field.Set(rows[0].Elem())
		}
	}
}

// relationName is the name a relation has in JSON (its field's name there).
func relationName(rel *bunschema.Relation) string {
	if js := jsonName(rel.Field.StructField); js != "" {
		return js
	}
	return rel.Field.GoName
}
