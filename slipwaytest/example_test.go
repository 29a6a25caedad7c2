package slipwaytest_test

import (
	"testing"

	"github.com/slipwaygo/slipway/slipwaytest"
)

// testWelcome is a test of the user's application: it boots NotesApp on a
// fresh database, migrated and seeded by the application's own
// MigrateSchema override, and reads through the application's repository.
// Without SLIPWAY_TEST_DATABASE_URL the database is a SQLite file in the
// test's temporary directory.
func testWelcome(t *testing.T) {
	a := NewNotesApp()
	slipwaytest.Start(t, a) // stopped, and the database dropped, when the test ends

	notes := slipwaytest.Repository[Note](t, a)
	n, err := notes.Count(t.Context(), nil)
	if err != nil || n != 1 {
		t.Fatalf("want the welcome note, got %d notes (%v)", n, err)
	}
}

func ExampleStart() {
	// In a _test.go file of your application:
	//
	//	func TestWelcome(t *testing.T) { testWelcome(t) }
	_ = testWelcome
}
