package console

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc describes every route under /api/v1; TestOpenAPICoversRoutes keeps it honest.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI is the API's OpenAPI 3.0 document.
func OpenAPI() []byte { return openAPIDoc }

// openAPI is GET /openapi.json.
func (a *API) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDoc)
}
