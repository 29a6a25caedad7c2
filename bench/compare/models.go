package main

//go:generate go run ./internal/genmodels -n 2000 -o models_gen.go

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"
	gschema "gorm.io/gorm/schema"
)

// The models: N tables bench_0000 ... bench_NNNN, each with a primary key,
// five columns (varchar(100) NOT NULL with an index, varchar(200) unique,
// bigint NOT NULL DEFAULT 0, a timestamp NOT NULL DEFAULT current_timestamp,
// a nullable parent_id) and, after the first, a foreign key to the previous
// table: the shape of schema/bench_test.go.

// bunModels returns n bun models as typed nil pointers, built with
// reflect.StructOf like schema/bench_test.go's benchModels (Slipway, bun's
// AutoMigrator and the blind loop take them).
func bunModels(n int) []any {
	models := make([]any, 0, n)
	var prev reflect.Type
	for i := range n {
		fields := []reflect.StructField{
			{Name: "BaseModel", Type: reflect.TypeFor[bun.BaseModel](), Anonymous: true, Tag: reflect.StructTag(fmt.Sprintf(`bun:"table:%s"`, tableName(i)))},
			{Name: "ID", Type: reflect.TypeFor[int64](), Tag: `bun:",pk,autoincrement"`},
			{Name: "Name", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(100),notnull" slipway:"index"`},
			{Name: "Email", Type: reflect.TypeFor[string](), Tag: `bun:"type:varchar(200),unique"`},
			{Name: "Count", Type: reflect.TypeFor[int64](), Tag: `bun:",notnull,default:0"`},
			{Name: "CreatedAt", Type: reflect.TypeFor[time.Time](), Tag: `bun:",notnull,default:current_timestamp"`},
		}
		if prev != nil {
			fields = append(fields,
				reflect.StructField{Name: "ParentID", Type: reflect.TypeFor[*int64]()},
				reflect.StructField{Name: "Parent", Type: reflect.PointerTo(prev), Tag: `bun:"rel:belongs-to,join:parent_id=id"`})
		}
		typ := reflect.StructOf(fields)
		models = append(models, reflect.Zero(reflect.PointerTo(typ)).Interface())
		prev = typ
	}
	return models
}

// tableName is the i-th model's table.
func tableName(i int) string { return fmt.Sprintf("bench_%04d", i) }

// gormRoot is the first table's GORM model: the bun columns above in
// GORM's spelling, no parent. (The columns are spelled out in both types:
// GORM finds no foreign key to a primary key declared in an embedded
// struct.)
type gormRoot struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Name      string    `gorm:"size:100;not null;index"`
	Email     string    `gorm:"size:200;unique"`
	Count     int64     `gorm:"not null;default:0"`
	CreatedAt time.Time `gorm:"not null;default:current_timestamp"`
}

// gormChild is the GORM model of a table with a foreign key to P's. The
// relation says belongsTo: every model has a ParentID, so GORM would
// otherwise guess has-one (the previous table's parent_id referencing this
// table) first.
type gormChild[P any] struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	Name      string    `gorm:"size:100;not null;index"`
	Email     string    `gorm:"size:200;unique"`
	Count     int64     `gorm:"not null;default:0"`
	CreatedAt time.Time `gorm:"not null;default:current_timestamp"`
	ParentID  *int64
	Parent    *P `gorm:"belongsTo:Parent;foreignKey:ParentID;references:ID"`
}

// gormModels returns the first n GORM models (of models_gen.go).
func gormModels(n int) []any { return gormZero[:n] }

// gormNamer names the table of model type gNNNN bench_NNNN, and everything
// else as GORM does.
type gormNamer struct{ gschema.NamingStrategy }

func (n gormNamer) TableName(typ string) string {
	if len(typ) == 5 && typ[0] == 'g' && strings.Trim(typ[1:], "0123456789") == "" {
		return "bench_" + typ[1:]
	}
	return n.NamingStrategy.TableName(typ)
}
