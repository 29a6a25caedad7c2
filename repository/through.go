package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"github.com/uptrace/bun"
	bunschema "github.com/uptrace/bun/schema"
)

// HasManyThrough reaches the targets of a many-to-many relation through a
// through model, LoopBack's hasManyThrough: the patients of a doctor
// through their appointments, at /doctors/{id}/patients. S is the source
// (Doctor), T the target (Patient); the relation is S's field tagged
// `bun:"m2m:appointments,join:Doctor=Patient"`, and the through model
// (Appointment) has a belongs-to relation to each side. Attach the through
// model to the datasource (a repository for it does) before creating S's
// repository, so that bun knows the table.
type HasManyThrough[S, T any] struct {
	source  *Repository[S]
	target  *Repository[T]
	rel     *bunschema.Relation
	through *model
}

// NewHasManyThrough returns the many-to-many relation named relation (JSON
// or Go name of S's field tagged `bun:"m2m:..."`) whose targets are T.
func NewHasManyThrough[S, T any](source *Repository[S], target *Repository[T], relation string) (*HasManyThrough[S, T], error) {
	rel, err := resolve(source, target, relation, bunschema.ManyToManyRelation, "has-many-through")
	if err != nil {
		return nil, err
	}
	if len(rel.M2MBasePKs) != 1 || len(rel.M2MJoinPKs) != 1 {
		return nil, fmt.Errorf("repository: %q.%s: relations over composite keys are not supported", source.m.name, relation)
	}
	through, err := source.models.get(rel.M2MTable.Type)
	if err != nil {
		return nil, err
	}
	return &HasManyThrough[S, T]{source: source, target: target, rel: rel, through: through}, nil
}

// Source returns the repository of the relation's source model.
func (h *HasManyThrough[S, T]) Source() *Repository[S] { return h.source }

// Target returns the repository of the relation's target model.
func (h *HasManyThrough[S, T]) Target() *Repository[T] { return h.target }

// Name returns the relation's name: its field's JSON name.
func (h *HasManyThrough[S, T]) Name() string { return relationName(h.rel) }

// sourceKey returns the source's key value, after checking it exists.
func (h *HasManyThrough[S, T]) sourceKey(ctx context.Context, sourceID any, op string) (any, error) {
	src, err := h.source.FindByID(ctx, sourceID, nil)
	if err != nil {
		return nil, fmt.Errorf("repository: %s %q of %q %v: %w", op, h.target.m.name, h.source.m.name, sourceID, unwrapNotFound(err))
	}
	return h.rel.BasePKs[0].Value(reflect.ValueOf(src).Elem()).Interface(), nil
}

// linked returns the where clause selecting the targets linked to the
// source with the given id.
func (h *HasManyThrough[S, T]) linked(ctx context.Context, sourceID any, op string) (Where, error) {
	key, err := h.sourceKey(ctx, sourceID, op)
	if err != nil {
		return nil, err
	}
	base, join := h.rel.M2MBasePKs[0], h.rel.M2MJoinPKs[0]
	rows := reflect.New(reflect.SliceOf(reflect.PointerTo(h.through.typ)))
	err = h.source.db(ctx).NewSelect().Model(rows.Interface()).Column(join.Name).
		Where("? = ?", bun.Ident(base.Name), key).Scan(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, h.through.fail(op, err)
	}
	ids := []any{}
	for _, row := range sliceValues(rows.Elem()) {
		if v := indirect(join.Value(row.Elem())); v.IsValid() {
			ids = append(ids, v.Interface())
		}
	}
	return Where{h.rel.JoinPKs[0].Name: Cond{"inq": ids}}, nil
}

// Find returns the targets linked to one source that match the filter.
func (h *HasManyThrough[S, T]) Find(ctx context.Context, sourceID any, f *Filter) ([]*T, error) {
	where, err := h.linked(ctx, sourceID, "find")
	if err != nil {
		return nil, err
	}
	return h.target.Find(ctx, withWhere(f, where))
}

// Create inserts v and links it to the source, in one transaction.
func (h *HasManyThrough[S, T]) Create(ctx context.Context, sourceID any, v *T) error {
	key, err := h.sourceKey(ctx, sourceID, "create")
	if err != nil {
		return err
	}
	return h.inTx(ctx, func(ctx context.Context) error {
		if err := h.target.Create(ctx, v); err != nil {
			return err
		}
		return h.link(ctx, key, h.rel.JoinPKs[0].Value(reflect.ValueOf(v).Elem()).Interface())
	})
}

// Link links the existing target with the given id to the source: an error
// wrapping ErrNotFound when either does not exist.
func (h *HasManyThrough[S, T]) Link(ctx context.Context, sourceID, targetID any) error {
	key, err := h.sourceKey(ctx, sourceID, "link")
	if err != nil {
		return err
	}
	t, err := h.target.FindByID(ctx, targetID, nil)
	if err != nil {
		return err
	}
	return h.link(ctx, key, h.rel.JoinPKs[0].Value(reflect.ValueOf(t).Elem()).Interface())
}

func (h *HasManyThrough[S, T]) link(ctx context.Context, sourceKey, targetKey any) error {
	row := reflect.New(h.through.typ)
	for _, kv := range []struct {
		f *bunschema.Field
		v any
	}{{h.rel.M2MBasePKs[0], sourceKey}, {h.rel.M2MJoinPKs[0], targetKey}} {
		v, err := h.through.convert(kv.f, indirect(reflect.ValueOf(kv.v)).Interface(), "link")
		if err != nil {
			return err
		}
		kv.f.Value(row.Elem()).Set(reflect.ValueOf(v))
	}
	if _, err := h.source.db(ctx).NewInsert().Model(row.Interface()).Exec(ctx); err != nil {
		return h.through.fail("link", err)
	}
	return nil
}

// Unlink removes the link between the source and the target with the given
// id, leaving both rows; an error wrapping ErrNotFound when they were not
// linked.
func (h *HasManyThrough[S, T]) Unlink(ctx context.Context, sourceID, targetID any) error {
	key, err := h.sourceKey(ctx, sourceID, "unlink")
	if err != nil {
		return err
	}
	targetKey, err := h.target.m.convert(h.rel.JoinPKs[0], targetID, "id")
	if err != nil {
		return err
	}
	base, join := h.rel.M2MBasePKs[0], h.rel.M2MJoinPKs[0]
	res, err := h.source.db(ctx).NewDelete().Model(reflect.New(h.through.typ).Interface()).
		Where("? = ?", bun.Ident(base.Name), key).
		Where("? = ?", bun.Ident(join.Name), targetKey).Exec(ctx)
	if err != nil {
		return h.through.fail("unlink", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("repository: unlink %q %v from %q %v: %w", h.target.m.name, targetID, h.source.m.name, sourceID, ErrNotFound)
	}
	return nil
}

// Patch updates the targets linked to one source that match where (all of
// them for nil) and returns how many matched.
func (h *HasManyThrough[S, T]) Patch(ctx context.Context, sourceID any, patch Patch, where Where) (int64, error) {
	linked, err := h.linked(ctx, sourceID, "update")
	if err != nil {
		return 0, err
	}
	return h.target.UpdateAll(ctx, patch, and(linked, where))
}

// Delete deletes the targets linked to one source that match where (all of
// them for nil), with every link to them, in one transaction, and returns
// how many targets were deleted — as LoopBack's hasManyThrough delete does.
func (h *HasManyThrough[S, T]) Delete(ctx context.Context, sourceID any, where Where) (int64, error) {
	var n int64
	err := h.inTx(ctx, func(ctx context.Context) error {
		linked, err := h.linked(ctx, sourceID, "delete")
		if err != nil {
			return err
		}
		targets, err := h.target.Find(ctx, &Filter{Where: and(linked, where), Fields: []string{h.rel.JoinPKs[0].GoName}})
		if err != nil || len(targets) == 0 {
			return err
		}
		ids := make([]any, len(targets))
		for i, t := range targets {
			ids[i] = h.rel.JoinPKs[0].Value(reflect.ValueOf(t).Elem()).Interface()
		}
		join := h.rel.M2MJoinPKs[0]
		_, err = h.source.db(ctx).NewDelete().Model(reflect.New(h.through.typ).Interface()).
			Where("? IN (?)", bun.Ident(join.Name), bun.List(ids)).Exec(ctx)
		if err != nil {
			return h.through.fail("delete", err)
		}
		n, err = h.target.DeleteAll(ctx, Where{h.rel.JoinPKs[0].Name: Cond{"inq": ids}})
		return err
	})
	return n, err
}

// inTx runs fn in a transaction on the source's datasource (a savepoint
// when ctx already carries one), routing repository calls through it.
func (h *HasManyThrough[S, T]) inTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return h.source.db(ctx).RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return fn(WithDB(ctx, h.source.ds, tx))
	})
}
