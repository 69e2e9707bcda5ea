package participant

import (
	"context"
)

// DescribeView returns the view that in.ViewToken names. A view that does
// not exist is a *ResourceNotFoundException.
func (c *Client) DescribeView(ctx context.Context, in DescribeViewInput, opts ...CallOption) (*DescribeViewOutput, error) {
	return invoke(ctx, c, describeView, in, opts)
}

// DescribeViewInput names a view. Both fields are required.
type DescribeViewInput struct {
	// ViewToken is the view's token, from the chat message that shows it;
	// it goes in the path, percent-encoded.
	ViewToken string `json:"ViewToken"`
	// ConnectionToken authenticates the participant.
	ConnectionToken Secret `json:"-"`
}

// DescribeViewOutput is a view.
type DescribeViewOutput struct {
	// View is a value, not a pointer, because it holds secrets: so every fmt
	// verb prints it redacted.
	View View `json:"View"`
	ResultMetadata
}

// View is a form, a confirmation or another step a contact flow shows the
// participant. Its name and content are sensitive.
type View struct {
	ID      string      `json:"Id"`
	ARN     string      `json:"Arn"`
	Name    Secret      `json:"Name"`
	Version int32       `json:"Version"`
	Content ViewContent `json:"Content"`
}

// ViewContent is what a view shows and what the participant can do with it.
type ViewContent struct {
	// InputSchema is the JSON Schema of the view's data, and Template the
	// view's template.
	InputSchema Secret `json:"InputSchema"`
	Template    Secret `json:"Template"`
	// Actions name what the participant can do.
	Actions []Secret `json:"Actions"`
}
