package repository

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// toTargets is what HasMany and HasOne share: the targets of a source are
// the rows of T whose key (JoinPKs) equals the source's (BasePKs).
type toTargets[S, T any] struct {
	source *Repository[S]
	target *Repository[T]
	rel    *bunschema.Relation
}

// resolve checks that relation is a relation of S of the given kind whose
// rows are T, over single-column keys.
func resolve[S, T any](source *Repository[S], target *Repository[T], relation string, kind int, kindName string) (*bunschema.Relation, error) {
	if source == nil || target == nil {
		return nil, fmt.Errorf("repository: %s relation %q: nil repository", kindName, relation)
	}
	rel, err := source.m.relation(relation)
	if err != nil {
		return nil, err
	}
	if rel.Type != kind {
		return nil, fmt.Errorf("repository: %q.%s is not a %s relation", source.m.name, relation, kindName)
	}
	if rel.JoinTable.Type != target.m.typ {
		return nil, fmt.Errorf("repository: %q.%s relates to %q, not %q", source.m.name, relation, rel.JoinTable.Type.Name(), target.m.name)
	}
	if len(rel.BasePKs) != 1 || len(rel.JoinPKs) != 1 {
		return nil, fmt.Errorf("repository: %q.%s: relations over composite keys are not supported", source.m.name, relation)
	}
	return rel, nil
}

// Source returns the repository of the relation's source model.
func (h *toTargets[S, T]) Source() *Repository[S] { return h.source }

// Target returns the repository of the relation's target model.
func (h *toTargets[S, T]) Target() *Repository[T] { return h.target }

// Name returns the relation's name: its field's JSON name.
func (h *toTargets[S, T]) Name() string { return relationName(h.rel) }

// key returns the where clause selecting the targets of the source with the
// given id, after checking the source exists (an error wrapping ErrNotFound
// otherwise). The source's key may differ from its primary key (join:...).
func (h *toTargets[S, T]) key(ctx context.Context, sourceID any, op string) (Where, any, error) {
	src, err := h.source.FindByID(ctx, sourceID, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("repository: %s %q of %q %v: %w", op, h.target.m.name, h.source.m.name, sourceID, unwrapNotFound(err))
	}
	value := h.rel.BasePKs[0].Value(reflect.ValueOf(src).Elem()).Interface()
	return Where{h.rel.JoinPKs[0].Name: Cond{"eq": value}}, value, nil
}

// SourceKey returns the value of the source's key that its targets hold in
// their foreign key — usually its id — or an error wrapping ErrNotFound
// when there is no source with that id.
func (h *toTargets[S, T]) SourceKey(ctx context.Context, sourceID any) (any, error) {
	_, v, err := h.key(ctx, sourceID, "find")
	return v, err
}

func unwrapNotFound(err error) error {
	if isNotFound(err) {
		return ErrNotFound
	}
	return err
}

// create inserts v as a target of the source: its foreign key is set to the
// source's key, whatever v held.
func (h *toTargets[S, T]) create(ctx context.Context, value any, v *T) error {
	fk := h.rel.JoinPKs[0]
	converted, err := h.target.m.convert(fk, value, "relation")
	if err != nil {
		return err
	}
	fk.Value(reflect.ValueOf(v).Elem()).Set(reflect.ValueOf(converted))
	return h.target.Create(ctx, v)
}

// Patch updates the targets of one source that match where (all of them
// for nil) and returns how many matched.
func (h *toTargets[S, T]) Patch(ctx context.Context, sourceID any, patch Patch, where Where) (int64, error) {
	key, _, err := h.key(ctx, sourceID, "update")
	if err != nil {
		return 0, err
	}
	return h.target.UpdateAll(ctx, patch, and(key, where))
}

// Delete deletes the targets of one source that match where (all of them
// for nil) and returns how many were deleted.
func (h *toTargets[S, T]) Delete(ctx context.Context, sourceID any, where Where) (int64, error) {
	key, _, err := h.key(ctx, sourceID, "delete")
	if err != nil {
		return 0, err
	}
	return h.target.DeleteAll(ctx, and(key, where))
}

// HasMany reaches the targets of a has-many relation through their source,
// like LoopBack's /todo-lists/{id}/todos: find, create, patch and delete the
// todos of one list. S is the source model (TodoList) and T the target
// (Todo); the relation is S's bun has-many field.
type HasMany[S, T any] struct {
	toTargets[S, T]
}

// NewHasMany returns the has-many relation named relation (JSON or Go name
// of S's field tagged `bun:"rel:has-many"`) whose rows are T.
func NewHasMany[S, T any](source *Repository[S], target *Repository[T], relation string) (*HasMany[S, T], error) {
	rel, err := resolve(source, target, relation, bunschema.HasManyRelation, "has-many")
	if err != nil {
		return nil, err
	}
	return &HasMany[S, T]{toTargets[S, T]{source: source, target: target, rel: rel}}, nil
}

// Find returns the targets of one source matching the filter.
func (h *HasMany[S, T]) Find(ctx context.Context, sourceID any, f *Filter) ([]*T, error) {
	where, _, err := h.key(ctx, sourceID, "find")
	if err != nil {
		return nil, err
	}
	return h.target.Find(ctx, withWhere(f, where))
}

// Create inserts v as a target of the source: its foreign key is set to the
// source's key, whatever v held.
func (h *HasMany[S, T]) Create(ctx context.Context, sourceID any, v *T) error {
	_, value, err := h.key(ctx, sourceID, "create")
	if err != nil {
		return err
	}
	return h.create(ctx, value, v)
}

// HasOne reaches the one target of a has-one relation through its source,
// like LoopBack's /todo-lists/{id}/todo-list-image. S is the source model
// (TodoList) and T the target (TodoListImage), which holds the foreign key;
// the relation is S's field tagged `bun:"rel:has-one,join:id=todo_list_id"`.
// Give the foreign key a unique index (slipway:"unique_index") so that the
// database holds the "one" too.
type HasOne[S, T any] struct {
	toTargets[S, T]
}

// NewHasOne returns the has-one relation named relation (JSON or Go name of
// S's field tagged `bun:"rel:has-one"`) whose target is T.
func NewHasOne[S, T any](source *Repository[S], target *Repository[T], relation string) (*HasOne[S, T], error) {
	rel, err := resolve(source, target, relation, bunschema.HasOneRelation, "has-one")
	if err != nil {
		return nil, err
	}
	return &HasOne[S, T]{toTargets[S, T]{source: source, target: target, rel: rel}}, nil
}

// Get returns the target of the source with the given id, narrowed by the
// filter's where, fields and include: an error wrapping ErrNotFound when
// the source does not exist or has no (matching) target.
func (h *HasOne[S, T]) Get(ctx context.Context, sourceID any, f *Filter) (*T, error) {
	where, _, err := h.key(ctx, sourceID, "find")
	if err != nil {
		return nil, err
	}
	v, err := h.target.FindOne(ctx, withWhere(f, where))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("repository: %q %v has no %s: %w", h.source.m.name, sourceID, h.rel.Field.GoName, ErrNotFound)
	}
	return v, err
}

// Create inserts v as the target of the source, setting its foreign key.
// When the source has a target already, it fails with an error wrapping
// ErrConflict: patch it, or delete it first.
func (h *HasOne[S, T]) Create(ctx context.Context, sourceID any, v *T) error {
	where, value, err := h.key(ctx, sourceID, "create")
	if err != nil {
		return err
	}
	n, err := h.target.Count(ctx, where)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("repository: create %q of %q %v: it has one already (patch or delete it): %w", h.target.m.name, h.source.m.name, sourceID, ErrConflict)
	}
	return h.create(ctx, value, v)
}

// BelongsTo reaches the target of a belongs-to relation from its source,
// like LoopBack's /todos/{id}/todo-list.
type BelongsTo[S, T any] struct {
	source *Repository[S]
	target *Repository[T]
	rel    *bunschema.Relation
}

// NewBelongsTo returns the belongs-to relation named relation (JSON or Go
// name of S's field tagged `bun:"rel:belongs-to"`) whose target is T.
func NewBelongsTo[S, T any](source *Repository[S], target *Repository[T], relation string) (*BelongsTo[S, T], error) {
	rel, err := resolve(source, target, relation, bunschema.BelongsToRelation, "belongs-to")
	if err != nil {
		return nil, err
	}
	return &BelongsTo[S, T]{source: source, target: target, rel: rel}, nil
}

// Source returns the repository of the relation's source model.
func (b *BelongsTo[S, T]) Source() *Repository[S] { return b.source }

// Target returns the repository of the relation's target model.
func (b *BelongsTo[S, T]) Target() *Repository[T] { return b.target }

// Name returns the relation's name: its field's JSON name.
func (b *BelongsTo[S, T]) Name() string { return relationName(b.rel) }

// Get returns the target of the source with the given id: an error wrapping
// ErrNotFound when the source does not exist or references nothing.
func (b *BelongsTo[S, T]) Get(ctx context.Context, sourceID any, f *Filter) (*T, error) {
	src, err := b.source.FindByID(ctx, sourceID, nil)
	if err != nil {
		return nil, err
	}
	fv := b.rel.BasePKs[0].Value(reflect.ValueOf(src).Elem())
	if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && fv.IsNil() {
		return nil, fmt.Errorf("repository: %q %v has no %s: %w", b.source.m.name, sourceID, b.rel.Field.GoName, ErrNotFound)
	}
	var scoped Filter
	if f != nil {
		scoped = Filter{Fields: f.Fields, Include: f.Include}
	}
	scoped.Where = Where{b.rel.JoinPKs[0].Name: Cond{"eq": fv.Interface()}}
	return b.target.FindOne(ctx, &scoped)
}

// withWhere returns a copy of f whose where also requires extra.
func withWhere(f *Filter, extra Where) *Filter {
	var out Filter
	if f != nil {
		out = *f
	}
	out.Where = and(extra, out.Where)
	return &out
}

// and combines two where clauses.
func and(a, b Where) Where {
	switch {
	case len(b) == 0:
		return a
	case len(a) == 0:
		return b
	}
	return Where{"and": []Where{a, b}}
}

// MissingReference is a foreign key of a belongs-to relation that points at
// no row.
type MissingReference struct {
	Field    string // JSON name of the foreign key property
	Relation string // JSON name of the relation
	Target   string // Go type name of the target model
	Value    any    // the key's value
}

// MissingReferences returns the belongs-to relations of v whose foreign key
// is set but names no row, among the keys named in fields (JSON names;
// every key when fields is empty), with one query per set key. The
// database's foreign keys refuse such a write anyway, with an error that
// does not say which field is wrong; this does, before the write.
func (r *Repository[T]) MissingReferences(ctx context.Context, v *T, fields []string) ([]MissingReference, error) {
	row := reflect.ValueOf(v).Elem()
	var out []MissingReference
	for _, name := range sortedRelations(r.m) {
		rel := r.m.rels[name]
		if rel.Type != bunschema.BelongsToRelation || len(rel.BasePKs) != 1 || len(rel.JoinPKs) != 1 {
			continue
		}
		fk := rel.BasePKs[0]
		if len(fields) > 0 && !slices.Contains(fields, jsonOrGo(fk)) {
			continue
		}
		value := indirect(fk.Value(row))
		if !value.IsValid() {
			continue
		}
		ok, err := r.db(ctx).NewSelect().Model(reflect.New(rel.JoinTable.Type).Interface()).
			Where("? = ?", bun.Ident(rel.JoinPKs[0].Name), value.Interface()).Exists(ctx)
		if err != nil {
			return nil, r.m.fail("check references", err)
		}
		if !ok {
			out = append(out, MissingReference{Field: jsonOrGo(fk), Relation: name, Target: rel.JoinTable.Type.Name(), Value: value.Interface()})
		}
	}
	return out, nil
}

// sortedRelations returns the JSON names of m's relations, sorted.
func sortedRelations(m *model) []string {
	var names []string
	for name, rel := range m.rels {
		if name == relationName(rel) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
