using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Distill.Pipeline.Storage;

namespace Distill.Pipeline.Azure.Blobs;

/// <summary>One page of a List Blobs response (<c>EnumerationResults</c>): its blobs and the marker of the next page.</summary>
internal sealed record AzureBlobListPage(IReadOnlyList<BlobItem> Items, string? NextMarker)
{
    public static AzureBlobListPage Parse(Stream xml, string container)
    {
        XElement root;
        try
        {
            root = XDocument.Load(xml).Root ?? throw Malformed(container, "the body is empty");
        }
        catch (XmlException e)
        {
            throw new InvalidDataException($"Blob Storage answered List Blobs on container '{container}' with a body that is not XML: {e.Message}", e);
        }
        if (root.Name.LocalName != "EnumerationResults")
        {
            throw Malformed(container, $"the root element is <{root.Name.LocalName}>, not <EnumerationResults>");
        }
        var items = new List<BlobItem>();
        foreach (var entry in root.Element("Blobs")?.Elements("Blob") ?? [])
        {
            items.Add(Item(entry, container));
        }
        var next = root.Element("NextMarker")?.Value;
        return new AzureBlobListPage(items, string.IsNullOrEmpty(next) ? null : next);
    }

    private static BlobItem Item(XElement entry, string container)
    {
        var nameElement = entry.Element("Name") ?? throw Malformed(container, "a <Blob> has no <Name>");
        // Names with characters XML cannot carry come percent-encoded, marked Encoded="true".
        var name = (string?)nameElement.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(nameElement.Value) : nameElement.Value;
        var properties = entry.Element("Properties") ?? throw AzureBlobHeaders.Malformed(container, name, "the listing has no <Properties>");
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in entry.Element("Metadata")?.Elements() ?? [])
        {
            metadata[pair.Name.LocalName] = pair.Value;
        }
        var length = Value(properties, "Content-Length", container, name);
        return new BlobItem(name, new BlobProperties
        {
            Length = long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
                ? bytes
                : throw AzureBlobHeaders.Malformed(container, name, $"Content-Length '{length}' in the listing is not a whole number"),
            ETag = AzureBlobHeaders.ETag(Value(properties, "Etag", container, name)),
            LastModified = AzureBlobHeaders.Date(Value(properties, "Last-Modified", container, name), container, name),
            ContentType = properties.Element("Content-Type")?.Value is { Length: > 0 } type ? type : BlobPutOptions.DefaultContentType,
            Metadata = metadata,
            LeaseState = AzureBlobHeaders.LeaseState(properties.Element("LeaseState")?.Value, container, name),
        });
    }

    private static string Value(XElement properties, string element, string container, string name) =>
        properties.Element(element)?.Value ?? throw AzureBlobHeaders.Malformed(container, name, $"the listing has no <{element}>");

    private static InvalidDataException Malformed(string container, string problem) =>
        new($"Blob Storage answered List Blobs on container '{container}' with a malformed listing: {problem}");
}
