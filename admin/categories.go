package admin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"rango/models"
	"rango/views"
	"rango/web"
)

// categoriesCrumb leads back to the category list.
var categoriesCrumb = crumb{"Categories", "/admin/categories"}

// categoryListPage is the data of admin/categories.
type categoryListPage struct {
	page
	Search, Sort string
	Rows         []models.CategoryRow
	Nav          pager
	// Name and Errors are the add form's.
	Name   string
	Errors web.FieldErrors
}

// categorySorts are the list's orders.
var categorySorts = []sortChoice{{models.CategoriesByName, "Name"}, {models.CategoriesByLikes, "Most liked"}, {models.CategoriesByViews, "Most viewed"}}

// sortChoice is one order of a content list.
type sortChoice struct{ Value, Label string }

// Sorts are the orders the list offers.
func (categoryListPage) Sorts() []sortChoice { return categorySorts }

func (h *Handler) listCategories(c *fiber.Ctx) error {
	return h.renderCategories(c, fiber.StatusOK, "", web.FieldErrors{})
}

// renderCategories shows the list, with the add form's name and errors.
func (h *Handler) renderCategories(c *fiber.Ctx, status int, name string, errs web.FieldErrors) error {
	data := categoryListPage{page: h.page(c, "categories", "Categories", dashboardCrumb),
		Search: cleanParam(c.Query("q"), models.MaxCategoryName), Sort: models.CategoriesByName, Name: name, Errors: errs}
	for _, s := range categorySorts {
		if s.Value == c.Query("sort") {
			data.Sort = s.Value
		}
	}
	at, before := position(c)
	rows, prev, next, err := h.store.AdminCategories(c.UserContext(), models.CategoryQuery{Search: data.Search, Sort: data.Sort},
		at, before, contentPageSize)
	if err != nil {
		return err
	}
	data.Rows = rows
	data.Nav = pagerOf("/admin/categories", queryOf("q", data.Search, "sort", unlessDefault(data.Sort, models.CategoriesByName)), prev, next)
	return web.Render(c, status, "admin/categories", data)
}

// addCategory creates a category, with the site's rules and messages.
func (h *Handler) addCategory(c *fiber.Ctx) error {
	errs := web.FieldErrors{}
	name := errs.Text(c, "name", "The name", models.MaxCategoryName, true)
	if len(errs) == 0 {
		cat, err := h.store.CreateCategory(c.UserContext(), name)
		switch {
		case errors.Is(err, models.ErrDuplicate):
			errs["name"] = web.CategoryTaken
		case err != nil:
			return err
		default:
			return h.done(c, action{Name: "add category", TargetType: models.TargetCategory, Target: "category " + cat.Slug,
				Rows: 1, Summary: fmt.Sprintf("Added the category %s (/category/%s).", cat.Name, cat.Slug)}, "/admin/categories")
		}
	}
	return h.renderCategories(c, fiber.StatusUnprocessableEntity, name, errs)
}

// categoryPage is the data of admin/category.
type categoryPage struct {
	page
	Category models.CategoryRow
	Name     string
	Errors   web.FieldErrors
}

// DeleteQuestion asks about deleting the category and its pages.
func (p categoryPage) DeleteQuestion() string { return deleteQuestion(p.Category) }

func deleteQuestion(cat models.CategoryRow) string {
	return fmt.Sprintf("Delete %s and its %s?", cat.Name, views.CountOf(cat.Pages, "page", "pages"))
}

func (h *Handler) categoryByID(c *fiber.Ctx) (models.CategoryRow, error) {
	return byID(c, "category", "it may have been deleted.", h.store.CategoryByID)
}

func (h *Handler) categoryPage(c *fiber.Ctx, cat models.CategoryRow) categoryPage {
	return categoryPage{page: h.page(c, "categories", cat.Name, dashboardCrumb, categoriesCrumb), Category: cat, Name: cat.Name,
		Errors: web.FieldErrors{}}
}

func (h *Handler) showCategory(c *fiber.Ctx) error {
	cat, err := h.categoryByID(c)
	if err != nil {
		return err
	}
	return web.Render(c, fiber.StatusOK, "admin/category", h.categoryPage(c, cat))
}

// renameCategory changes a category's name; its slug follows, and the old
// one redirects to the new.
func (h *Handler) renameCategory(c *fiber.Ctx) error {
	cat, err := h.categoryByID(c)
	if err != nil {
		return err
	}
	errs := web.FieldErrors{}
	name := errs.Text(c, "name", "The name", models.MaxCategoryName, true)
	if len(errs) == 0 {
		old, renamed, err := h.store.RenameCategory(c.UserContext(), cat.ID, name)
		switch {
		case errors.Is(err, models.ErrDuplicate):
			errs["name"] = web.CategoryTaken
		case errors.Is(err, models.ErrNotFound):
			return web.NewError(fiber.StatusNotFound, "There is no such category: it may have been deleted.")
		case err != nil:
			return err
		default:
			summary := fmt.Sprintf("Renamed %s to %s.", old.Name, renamed.Name)
			if old.Slug != renamed.Slug {
				summary = fmt.Sprintf("Renamed %s to %s: /category/%s now redirects to /category/%s.", old.Name, renamed.Name, old.Slug, renamed.Slug)
			}
			if old.Name == renamed.Name {
				summary = "The name of " + old.Name + " was not changed."
			}
			return h.done(c, action{Name: "rename category", TargetType: models.TargetCategory, Target: "category " + renamed.Slug,
				Rows: 1, Summary: summary}, fmt.Sprintf("/admin/categories/%d", cat.ID))
		}
	}
	data := h.categoryPage(c, cat)
	data.Name, data.Errors = name, errs
	return web.Render(c, fiber.StatusUnprocessableEntity, "admin/category", data)
}

// resetCategory sets a category's likes or views to zero.
func (h *Handler) resetCategory(c *fiber.Ctx) error {
	cat, err := h.categoryByID(c)
	if err != nil {
		return err
	}
	counter := c.FormValue("counter")
	if counter != models.CounterLikes && counter != models.CounterViews {
		return web.NewError(fiber.StatusBadRequest, "Reset the likes or the views.")
	}
	old, err := h.store.ResetCategory(c.UserContext(), cat.ID, counter)
	if err != nil {
		return err
	}
	return h.done(c, action{Name: "reset category " + counter, TargetType: models.TargetCategory, Target: "category " + cat.Slug, Rows: old,
		Summary: fmt.Sprintf("Reset the %s of %s: %s → 0.", counter, cat.Name, views.Thousands(old))}, fmt.Sprintf("/admin/categories/%d", cat.ID))
}

// deleteCategory deletes a category and its pages, once confirmed.
func (h *Handler) deleteCategory(c *fiber.Ctx) error {
	cat, err := h.categoryByID(c)
	if err != nil {
		return err
	}
	ok, err := h.confirmed(c, h.page(c, "categories", "Delete "+cat.Name, dashboardCrumb, categoriesCrumb), deleteQuestion(cat),
		"Its address will answer 404 (other app instances within a second).", "Delete "+cat.Name, fmt.Sprintf("/admin/categories/%d", cat.ID))
	if !ok || err != nil {
		return err
	}
	return h.deleteCategoryIDs(c, []uint64{cat.ID}, cat.Name)
}

// deleteCategories deletes the ticked categories, once confirmed.
func (h *Handler) deleteCategories(c *fiber.Ctx) error {
	ids := formIDs(c)
	if len(ids) == 0 {
		return web.NewError(fiber.StatusUnprocessableEntity, "No category was ticked, so none was deleted.")
	}
	var names []string
	var pages int64
	for _, id := range ids {
		if cat, err := h.store.CategoryByID(c.UserContext(), id); err == nil {
			names = append(names, cat.Name)
			pages += cat.Pages
		}
	}
	question := fmt.Sprintf("Delete %s (%s) and their %s?", views.CountOf(int64(len(names)), "category", "categories"),
		strings.Join(names, ", "), views.CountOf(pages, "page", "pages"))
	ok, err := h.confirmed(c, h.page(c, "categories", "Delete categories", dashboardCrumb, categoriesCrumb), question, "", "Delete them", "/admin/categories")
	if !ok || err != nil {
		return err
	}
	return h.deleteCategoryIDs(c, ids, strings.Join(names, ", "))
}

func (h *Handler) deleteCategoryIDs(c *fiber.Ctx, ids []uint64, names string) error {
	cats, pages, err := h.store.DeleteCategories(c.UserContext(), ids)
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("Deleted %s (%s) with %s.", views.CountOf(cats, "category", "categories"), names, views.CountOf(pages, "page", "pages"))
	if cats == 0 {
		summary = "The categories had been deleted already: nothing to do."
	}
	return h.done(c, action{Name: "delete categories", TargetType: models.TargetCategory, Target: names, Rows: cats, Summary: summary},
		"/admin/categories")
}
