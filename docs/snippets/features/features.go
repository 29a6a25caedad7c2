// Package features holds the models of models.md's "CHECK constraints and
// comments" and workflows.md's "Renames".
package features

import (
	"github.com/uptrace/bun"

	"github.com/slipwaygo/slipway/schema"
)

type Product struct {
	bun.BaseModel `bun:"table:products"`
	ID            int64  `bun:",pk,autoincrement"`
	Name          string `bun:",notnull" slipway:"comment:'what the customer sees'"`
	Price         int64  `bun:",notnull" slipway:"check:'price >= 0'"` // products_price_check
	Stock         int64  `bun:",notnull"`
}

// Checks declares the constraints that need more than one column.
func (*Product) Checks() []schema.Check {
	return []schema.Check{{Name: "products_stock_price", Expr: "stock = 0 OR price > 0"}}
}

type Task struct {
	bun.BaseModel `bun:"table:tasks" slipway:"was:todos"`
	ID            int64   `bun:",pk,autoincrement"`
	Title         string  `bun:",notnull"`
	Description   *string `slipway:"was:desc"`
}
