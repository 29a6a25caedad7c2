package repository

import (
	"context"
	"fmt"
	"reflect"

	bunschema "github.com/uptrace/bun/schema"
)

// HasMany reaches the targets of a has-many relation through their source,
// like LoopBack's /todo-lists/{id}/todos: find, create, patch and delete the
// todos of one list. S is the source model (TodoList) and T the target
// (Todo); the relation is S's bun has-many field.
type HasMany[S, T any] struct {
	source *Repository[S]
	target *Repository[T]
	rel    *bunschema.Relation
}

// NewHasMany returns the has-many relation named relation (JSON or Go name
// of S's field tagged `bun:"rel:has-many"`) whose rows are T.
func NewHasMany[S, T any](source *Repository[S], target *Repository[T], relation string) (*HasMany[S, T], error) {
	rel, err := source.m.relation(relation)
	if err != nil {
		return nil, err
	}
	if rel.Type != bunschema.HasManyRelation {
		return nil, fmt.Errorf("repository: %q.%s is not a has-many relation", source.m.name, relation)
	}
	if rel.JoinTable.Type != target.m.typ {
		return nil, fmt.Errorf("repository: %q.%s relates to %q, not %q", source.m.name, relation, rel.JoinTable.Type.Name(), target.m.name)
	}
	if len(rel.BasePKs) != 1 || len(rel.JoinPKs) != 1 {
		return nil, fmt.Errorf("repository: %q.%s: relations over composite keys are not supported", source.m.name, relation)
	}
	return &HasMany[S, T]{source: source, target: target, rel: rel}, nil
}

// key returns the where clause selecting the targets of the source with the
// given id, after checking the source exists (an error wrapping ErrNotFound
// otherwise). The source's key may differ from its primary key (join:...).
func (h *HasMany[S, T]) key(ctx context.Context, sourceID any, op string) (Where, any, error) {
	src, err := h.source.FindByID(ctx, sourceID, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("repository: %s %q of %q %v: %w", op, h.target.m.name, h.source.m.name, sourceID, unwrapNotFound(err))
	}
	value := h.rel.BasePKs[0].Value(reflect.ValueOf(src).Elem()).Interface()
	return Where{h.rel.JoinPKs[0].Name: Cond{"eq": value}}, value, nil
}

func unwrapNotFound(err error) error {
	if isNotFound(err) {
		return ErrNotFound
	}
	return err
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
	fk := h.rel.JoinPKs[0]
	converted, err := h.target.m.convert(fk, value, "relation")
	if err != nil {
		return err
	}
	fk.Value(reflect.ValueOf(v).Elem()).Set(reflect.ValueOf(converted))
	return h.target.Create(ctx, v)
}

// Patch updates the targets of one source that match where (all of them for
// nil) and returns how many matched.
func (h *HasMany[S, T]) Patch(ctx context.Context, sourceID any, patch Patch, where Where) (int64, error) {
	key, _, err := h.key(ctx, sourceID, "update")
	if err != nil {
		return 0, err
	}
	return h.target.UpdateAll(ctx, patch, and(key, where))
}

// Delete deletes the targets of one source that match where (all of them
// for nil) and returns how many were deleted.
func (h *HasMany[S, T]) Delete(ctx context.Context, sourceID any, where Where) (int64, error) {
	key, _, err := h.key(ctx, sourceID, "delete")
	if err != nil {
		return 0, err
	}
	return h.target.DeleteAll(ctx, and(key, where))
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
	rel, err := source.m.relation(relation)
	if err != nil {
		return nil, err
	}
	if rel.Type != bunschema.BelongsToRelation {
		return nil, fmt.Errorf("repository: %q.%s is not a belongs-to relation", source.m.name, relation)
	}
	if rel.JoinTable.Type != target.m.typ {
		return nil, fmt.Errorf("repository: %q.%s relates to %q, not %q", source.m.name, relation, rel.JoinTable.Type.Name(), target.m.name)
	}
	if len(rel.BasePKs) != 1 || len(rel.JoinPKs) != 1 {
		return nil, fmt.Errorf("repository: %q.%s: relations over composite keys are not supported", source.m.name, relation)
	}
	return &BelongsTo[S, T]{source: source, target: target, rel: rel}, nil
}

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
