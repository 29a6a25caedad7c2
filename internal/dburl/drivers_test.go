package dburl_test

// The tests open URLs of every dialect.
import (
	_ "github.com/slipwaygo/slipway/driver/mysql"
	_ "github.com/slipwaygo/slipway/driver/postgres"
	_ "github.com/slipwaygo/slipway/driver/sqlite"
)
