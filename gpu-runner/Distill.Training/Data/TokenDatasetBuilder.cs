using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Distill.Training.Data;

/// <summary>
/// Turns input files into a tokenized dataset folder: documents are read (<see cref="DocumentReader"/>), assigned to
/// train or validation by a hash of their text, tokenized (segments concatenated, an end-of-document id after each
/// document when the tokenizer has one), and each split's token stream is packed into overlapping blocks of
/// BlockSize + 1 tokens (see <see cref="TokenDatasetIndex"/>) in shard files. index.json is written last, atomically.
/// <para>
/// Input files are processed in ordinal order of their full paths, whatever order the inputs are given in. A document
/// goes to validation when the first 53 bits of the SHA-256 of its text, as a fraction of 2^53, are below
/// <see cref="DataOptions.ValidationFraction"/>: the choice depends only on the text, never on file order, and equal
/// documents land in the same split. When that leaves validation short of one block while the fraction is above zero,
/// the training documents with the smallest hashes move to validation, smallest first, until it holds one block.
/// </para>
/// <para>
/// The folder is keyed by a SHA-256 of the input files' contents (in processing order), <c>tokenizerId</c> and the
/// options: building again with the same key reuses the folder without tokenizing; any other key rebuilds it.
/// </para>
/// </summary>
public sealed class TokenDatasetBuilder
{
    internal const string SpillExtension = ".spill";
    private const string TrainName = "train";
    private const string ValidationName = "validation";
    private const int BatchDocuments = 256;
    private const long BatchCharacters = 1 << 22;

    private readonly ITextTokenizer _tokenizer;
    private readonly string _tokenizerId;
    private readonly DataOptions _options;

    /// <param name="tokenizer">Encodes the documents.</param>
    /// <param name="tokenizerId">The tokenizer's identity (for example its file's sha256): part of the reuse key.</param>
    /// <param name="options">How files become documents and documents become blocks.</param>
    public TokenDatasetBuilder(ITextTokenizer tokenizer, string tokenizerId, DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(tokenizerId);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (tokenizer.VocabSize < 1)
        {
            throw new ArgumentException($"the tokenizer's vocabulary size is {tokenizer.VocabSize}", nameof(tokenizer));
        }
        if (tokenizer.EosTokenId is { } eos && (eos < 0 || eos >= tokenizer.VocabSize))
        {
            throw new ArgumentException($"the tokenizer's end-of-text id {eos} is outside its vocabulary of {tokenizer.VocabSize}", nameof(tokenizer));
        }
        _tokenizer = tokenizer;
        _tokenizerId = tokenizerId;
        _options = options;
    }

    /// <summary>Documents tokenized at once. Above 1, the tokenizer's Encode must be safe to call from several threads.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>
    /// Builds the dataset of <paramref name="inputs"/> (files or folders) in <paramref name="folder"/>, or reuses it when
    /// it was built from the same inputs, tokenizer and options. Throws <see cref="DataFormatException"/> for an input
    /// that does not exist, for malformed records under <see cref="InvalidRecordPolicy.Fail"/> (listing every one with
    /// file and line), and when a split would not hold one block.
    /// </summary>
    public TokenDatasetBuildResult Build(
        IReadOnlyList<string> inputs,
        string folder,
        IProgress<TokenDatasetBuildProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("no input files or folders were given", nameof(inputs));
        }
        var files = DocumentReader.ListFiles(inputs);
        var hashes = new string[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hashes[i] = HashFile(files[i]);
        }
        var key = ComputeKey(hashes);
        folder = Path.GetFullPath(folder);
        if (TryReuse(folder, key) is { } existing)
        {
            return new TokenDatasetBuildResult(folder, existing, Reused: true);
        }
        PrepareFolder(folder);
        var index = Tokenize(inputs, files, hashes, key, folder, progress, cancellationToken);
        WriteIndex(folder, index);
        return new TokenDatasetBuildResult(folder, index, Reused: false);
    }

    private TokenDatasetIndex Tokenize(
        IReadOnlyList<string> inputs,
        List<string> files,
        string[] hashes,
        string key,
        string folder,
        IProgress<TokenDatasetBuildProgress>? progress,
        CancellationToken cancellationToken)
    {
        var width = _tokenizer.VocabSize <= 65536 ? 2 : 4;
        var stored = _options.BlockSize + 1;
        using var train = new TokenSpill(folder, TrainName, width);
        using var validation = new TokenSpill(folder, ValidationName, width);
        var reserve = new ValidationReserve(stored);
        var reader = new DocumentReader(_options);
        var sources = new List<TokenSourceInfo>(files.Count);
        var totalBytes = files.Sum(f => new FileInfo(f).Length);
        var batch = new List<Document>(BatchDocuments);
        long batchCharacters = 0;
        long documents = 0;
        long tokens = 0;
        var failing = false;

        for (var f = 0; f < files.Count; f++)
        {
            long fileDocuments = 0;
            foreach (var document in reader.ReadFile(files[f]))
            {
                fileDocuments++;
                batch.Add(document);
                foreach (var segment in document.Segments)
                {
                    batchCharacters += segment.Text.Length;
                }
                if (batch.Count >= BatchDocuments || batchCharacters >= BatchCharacters)
                {
                    Flush();
                    Report(f);
                }
            }
            Flush();
            sources.Add(new TokenSourceInfo(files[f], hashes[f], fileDocuments));
            Report(f + 1);
        }

        if (_options.InvalidRecords == InvalidRecordPolicy.Fail && reader.Problems.Count > 0)
        {
            throw new DataFormatException(reader.Problems.ToList());
        }
        if (documents == 0)
        {
            throw new DataFormatException(
                $"the inputs ({DescribeInputs(inputs)}) hold no documents" +
                (reader.Problems.Count > 0 ? $"; {reader.Problems.Count} problem(s) were skipped, the first: {reader.Problems[0]}" : ""));
        }
        train.CompleteWriting();
        validation.CompleteWriting();

        IReadOnlyList<ValidationReserve.Candidate> moved = _options.ValidationFraction > 0 && validation.Tokens < stored
            ? reserve.Take(stored - validation.Tokens)
            : [];
        var movedTokens = moved.Sum(c => c.Tokens);
        RequireOneBlock(inputs, TrainName, train.Tokens - movedTokens, train.Documents - moved.Count,
            moved.Count > 0 ? $" ({moved.Count} document(s) were moved to validation so that it holds one block)" : "");
        if (_options.ValidationFraction > 0)
        {
            RequireOneBlock(inputs, ValidationName, validation.Tokens + movedTokens, validation.Documents + moved.Count,
                " or set the validation fraction to 0");
        }

        var tokenBuffer = new byte[1 << 20];
        var maskBuffer = new byte[1 << 19];
        TokenSplitIndex trainIndex;
        using (var packer = new ShardPacker(folder, TrainName, _options.BlockSize, width, _options.BlocksPerShard))
        {
            long at = 0;
            foreach (var candidate in moved)
            {
                train.Read(at, candidate.Start - at, packer, tokenBuffer, maskBuffer);
                at = candidate.Start + candidate.Tokens;
            }
            train.Read(at, train.Tokens - at, packer, tokenBuffer, maskBuffer);
            trainIndex = packer.Complete(train.Documents - moved.Count);
        }
        TokenSplitIndex validationIndex;
        using (var packer = new ShardPacker(folder, ValidationName, _options.BlockSize, width, _options.BlocksPerShard))
        {
            validation.Read(0, validation.Tokens, packer, tokenBuffer, maskBuffer);
            foreach (var candidate in moved)
            {
                train.Read(candidate.Start, candidate.Tokens, packer, tokenBuffer, maskBuffer);
            }
            validationIndex = packer.Complete(validation.Documents + moved.Count);
        }

        return new TokenDatasetIndex
        {
            Key = key,
            Tokenizer = _tokenizerId,
            BlockSize = _options.BlockSize,
            StoredBlockTokens = stored,
            TokenType = width == 2 ? TokenDatasetIndex.U16 : TokenDatasetIndex.U32,
            VocabSize = _tokenizer.VocabSize,
            EosTokenId = _tokenizer.EosTokenId,
            Train = trainIndex,
            Validation = validationIndex,
            Sources = sources,
            Skipped = reader.Problems.Select(p => p.ToString()).ToList(),
        };

        void Flush()
        {
            if (batch.Count == 0)
            {
                return;
            }
            cancellationToken.ThrowIfCancellationRequested();
            failing |= _options.InvalidRecords == InvalidRecordPolicy.Fail && reader.Problems.Count > 0;
            if (!failing)
            {
                // After the first problem under Fail, reading goes on only to list every problem.
                var encoded = Encode(batch, width, cancellationToken);
                foreach (var document in encoded)
                {
                    var count = document.Tokens.Length / width;
                    if (IsValidation(document.Hash))
                    {
                        validation.Append(document.Tokens, document.Mask);
                    }
                    else
                    {
                        var start = train.Append(document.Tokens, document.Mask);
                        reserve.Offer(new ValidationReserve.Candidate(document.Hash, train.Documents - 1, start, count));
                    }
                    documents++;
                    tokens += count;
                }
            }
            batch.Clear();
            batchCharacters = 0;
        }

        void Report(int filesDone) =>
            progress?.Report(new TokenDatasetBuildProgress(filesDone, files.Count, reader.BytesRead, totalBytes, documents, tokens));
    }

    private void RequireOneBlock(IReadOnlyList<string> inputs, string split, long tokens, long documents, string advice)
    {
        if (tokens >= _options.BlockSize + 1)
        {
            return;
        }
        var remedy = split == TrainName ? "; add data or lower the block size" + advice : "; add data, lower the block size" + advice;
        throw new DataFormatException(
            $"the inputs ({DescribeInputs(inputs)}) give the {split} split {tokens} token(s) from {documents} document(s), " +
            $"fewer than one block needs ({_options.BlockSize + 1}: block size {_options.BlockSize} + 1){remedy}");
    }

    private static string DescribeInputs(IReadOnlyList<string> inputs) =>
        inputs.Count <= 5 ? string.Join(", ", inputs) : string.Join(", ", inputs.Take(5)) + $" and {inputs.Count - 5} more";

    private bool IsValidation(ulong hash) =>
        _options.ValidationFraction > 0 && (hash >> 11) * (1.0 / (1UL << 53)) < _options.ValidationFraction;

    private EncodedDocument[] Encode(List<Document> batch, int width, CancellationToken cancellationToken)
    {
        var encoded = new EncodedDocument[batch.Count];
        if (MaxDegreeOfParallelism > 1 && batch.Count > 1)
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism, CancellationToken = cancellationToken };
            Parallel.For(0, batch.Count, parallel, i => encoded[i] = Encode(batch[i], width));
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                encoded[i] = Encode(batch[i], width);
            }
        }
        return encoded;
    }

    private EncodedDocument Encode(Document document, int width)
    {
        var segments = document.Segments;
        var ids = new IReadOnlyList<int>[segments.Count];
        var total = 0;
        var masked = false;
        for (var s = 0; s < segments.Count; s++)
        {
            ids[s] = _tokenizer.Encode(segments[s].Text);
            total += ids[s].Count;
            masked |= !segments[s].Trainable;
        }
        var eos = _tokenizer.EosTokenId;
        if (eos is not null)
        {
            total++;
        }
        var tokens = new byte[total * width];
        var mask = masked ? new byte[total] : null;
        var at = 0;
        for (var s = 0; s < segments.Count; s++)
        {
            var start = at;
            at = WriteIds(ids[s], tokens, at, width, document);
            mask?.AsSpan(start, at - start).Fill(segments[s].Trainable ? (byte)1 : (byte)0);
        }
        if (eos is { } eosId)
        {
            WriteId(eosId, tokens, at, width);
            // The end-of-document target counts when the document's last segment does (an assistant's reply).
            if (mask is not null)
            {
                mask[at] = segments.Count == 0 || segments[^1].Trainable ? (byte)1 : (byte)0;
            }
        }
        return new EncodedDocument(HashText(document), tokens, mask);
    }

    private int WriteIds(IReadOnlyList<int> ids, byte[] tokens, int at, int width, Document document)
    {
        ReadOnlySpan<int> span = ids switch
        {
            int[] array => array,
            List<int> list => CollectionsMarshal.AsSpan(list),
            _ => ids.ToArray(),
        };
        var vocab = (uint)_tokenizer.VocabSize;
        foreach (var id in span)
        {
            if ((uint)id >= vocab)
            {
                throw new InvalidOperationException($"{document.Source}:{document.Line}: the tokenizer produced id {id}, outside its vocabulary of {vocab}");
            }
            WriteId(id, tokens, at++, width);
        }
        return at;
    }

    private static void WriteId(int id, byte[] tokens, int at, int width)
    {
        if (width == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tokens.AsSpan(at * 2), (ushort)id);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(tokens.AsSpan(at * 4), (uint)id);
        }
    }

    /// <summary>The first 8 bytes of the SHA-256 of the document's segment texts, each preceded by its UTF-8 length.</summary>
    private static ulong HashText(Document document)
    {
        var length = 0;
        foreach (var segment in document.Segments)
        {
            length += 4 + Encoding.UTF8.GetByteCount(segment.Text);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = 0;
            foreach (var segment in document.Segments)
            {
                var written = Encoding.UTF8.GetBytes(segment.Text, buffer.AsSpan(at + 4));
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(at), written);
                at += 4 + written;
            }
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, at), hash);
            return BinaryPrimitives.ReadUInt64BigEndian(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private string ComputeKey(IReadOnlyList<string> fileHashes)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"format={TokenDatasetIndex.FormatName}/{TokenDatasetIndex.CurrentVersion}/{TokenDatasetIndex.OverlappingLayout}\n");
        text.Append(culture, $"tokenizer={_tokenizerId}\nvocab_size={_tokenizer.VocabSize}\neos={_tokenizer.EosTokenId?.ToString(culture) ?? "none"}\n");
        text.Append(culture, $"text_field={_options.TextField}\nmessages_field={_options.MessagesField}\nmask_prompts={_options.MaskPrompts}\n");
        text.Append(culture, $"block_size={_options.BlockSize}\nvalidation_fraction={_options.ValidationFraction:R}\n");
        text.Append(culture, $"invalid_records={_options.InvalidRecords}\nblocks_per_shard={_options.BlocksPerShard}\n");
        text.Append(culture, $"text_documents={_options.TextDocuments}\ndocument_separator={_options.DocumentSeparator ?? "(blank lines)"}\n");
        foreach (var hash in fileHashes)
        {
            text.Append(culture, $"file={hash}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static TokenDatasetIndex? TryReuse(string folder, string key)
    {
        if (!File.Exists(Path.Combine(folder, TokenDataset.IndexFileName)))
        {
            return null;
        }
        try
        {
            var index = TokenDataset.LoadIndex(folder);
            return index.Key == key ? index : null;
        }
        catch (DataFormatException)
        {
            return null;
        }
    }

    /// <summary>Removes the index first (the folder is incomplete from then on), then the files an earlier build left.</summary>
    private static void PrepareFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        File.Delete(Path.Combine(folder, TokenDataset.IndexFileName));
        string[] patterns = [$"{TrainName}-*.bin", $"{TrainName}-*.mask", $"{ValidationName}-*.bin", $"{ValidationName}-*.mask", "*" + SpillExtension, TokenDataset.IndexFileName + ".tmp"];
        foreach (var pattern in patterns)
        {
            foreach (var file in Directory.GetFiles(folder, pattern))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Writes index.json through a temporary file flushed to disk and renamed, so it appears whole or not at all.</summary>
    private static void WriteIndex(string folder, TokenDatasetIndex index)
    {
        var path = Path.Combine(folder, TokenDataset.IndexFileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, index, TrainingJsonContext.Default.TokenDatasetIndex);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private readonly record struct EncodedDocument(ulong Hash, byte[] Tokens, byte[]? Mask);
}
