package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

type samplePage struct {
	title, url string
	views      int64
}

type sampleCategory struct {
	name         string
	views, likes int64
	pages        []samplePage
}

// sampleData is the tutorial's population script: three categories with
// pages, and the categories starting with P that its search chapter adds.
var sampleData = []sampleCategory{
	{"Python", 128, 64, []samplePage{
		{"Official Python Tutorial", "https://docs.python.org/3/tutorial/", 114},
		{"How to Think like a Computer Scientist", "https://greenteapress.com/wp/think-python-2e/", 53},
		{"Learn Python in 10 Minutes", "https://www.stavros.io/tutorials/python/", 20},
	}},
	{"Django", 64, 32, []samplePage{
		{"Official Django Tutorial", "https://docs.djangoproject.com/en/stable/intro/tutorial01/", 32},
		{"Django Rocks", "http://www.djangorocks.com/", 12},
		{"How to Tango with Django", "https://www.tangowithdjango.com/", 1258},
	}},
	{"Other Frameworks", 32, 16, []samplePage{
		{"Bottle", "https://bottlepy.org/docs/dev/", 54},
		{"Flask", "https://flask.palletsprojects.com/", 64},
	}},
	{"Pascal", 0, 0, nil},
	{"Perl", 0, 0, nil},
	{"PHP", 0, 0, nil},
	{"Prolog", 0, 0, nil},
	{"PostScript", 0, 0, nil},
	{"Programming", 0, 0, nil},
}

// sampleDataSetting is the settings row every sample data load writes
// first: it says when the data was last loaded, and makes concurrent loads
// take turns (see LoadSampleData).
const sampleDataSetting = "sample_data_loaded_at"

// LoadSampleData adds the tutorial's sample categories and pages. It is
// idempotent: what exists already (by category name, and by page title
// within its category) is left as it is. Loads started at once by several
// instances add everything once: each first writes the same settings row,
// whose lock makes the others wait on one server; on a Galera cluster,
// where row locks do not span nodes, the loads conflict at commit, and
// the loser runs again and finds everything there.
func (s *Store) LoadSampleData(ctx context.Context) error {
	err := s.retryConflicts(ctx, func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// A new value every time, so that the row really changes: an
			// unchanged row is not part of Galera's write set.
			now := time.Now()
			if err := tx.Exec("INSERT INTO settings (`key`, value, updated_at) VALUES (?, ?, ?) "+
				"ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)",
				sampleDataSetting, now.Format(time.RFC3339Nano), now).Error; err != nil {
				return fmt.Errorf("mark sample data: %w", err)
			}
			return loadSample(tx)
		})
	})
	return translate(err, "load sample data")
}

func loadSample(tx *gorm.DB) error {
	for _, sc := range sampleData {
		cat := Category{Name: sc.name, Slug: Slugify(sc.name), Views: sc.views, Likes: sc.likes}
		if err := tx.Where(Category{Name: sc.name}).Attrs(cat).FirstOrCreate(&cat).Error; err != nil {
			return fmt.Errorf("category %s: %w", sc.name, err)
		}
		for _, sp := range sc.pages {
			page := Page{CategoryID: cat.ID, Title: sp.title, URL: sp.url, Views: sp.views}
			if err := tx.Omit("Category").Where(Page{CategoryID: cat.ID, Title: sp.title}).
				Attrs(page).FirstOrCreate(&page).Error; err != nil {
				return fmt.Errorf("page %s: %w", sp.title, err)
			}
		}
	}
	return nil
}
