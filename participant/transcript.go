package participant

import (
	"context"
	"iter"
)

// TranscriptItems walks every page of the transcript that in asks for,
// starting at in.NextToken, and yields the items in the order the service
// returns them:
//
//	for item, err := range client.TranscriptItems(ctx, in) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(item.DisplayName, item.Content)
//	}
//
// An error ends the walk after it is yielded. The walk also ends when a page
// has no NextToken, or repeats one it was given, as the AWS SDKs' paginators
// do, so a service that hands out the same token forever cannot loop it.
// opts apply to every page's call.
func (c *Client) TranscriptItems(ctx context.Context, in GetTranscriptInput, opts ...CallOption) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for {
			out, err := c.GetTranscript(ctx, in, opts...)
			if err != nil {
				yield(Item{}, err)
				return
			}
			for _, item := range out.Transcript {
				if !yield(item, nil) {
					return
				}
			}
			if out.NextToken == "" || out.NextToken == in.NextToken {
				return
			}
			in.NextToken = out.NextToken
		}
	}
}
