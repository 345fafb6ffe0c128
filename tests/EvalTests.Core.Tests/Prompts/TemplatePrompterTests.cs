using EvalTests.Datasets;
using EvalTests.Prompts;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Prompts;

/// <summary>
/// Expected strings were produced independently: Python's csv module over the same files, assembled by the rules in
/// reference/opencompass-facts.md (turns joined by a newline, the question's BOT turn empty in gen mode).
/// </summary>
public sealed class TemplatePrompterTests
{
    private const string CevalQuestion0 =
        "以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n使用位填充方法，以01111110为位首flag，数据为011011111111111111110010，求问传送时要添加几个0____\nA. 1\nB. 2\nC. 3\nD. 4\n答案: ";

    private const string CevalFiveShotQuestion0 =
        "以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n下列设备属于资源子网的是____。\nA. 计算机软件\nB. 网桥\nC. 交换机\nD. 路由器\n答案: \nA\n以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n滑动窗口的作用是____。\nA. 流量控制\nB. 拥塞控制\nC. 路由控制\nD. 差错控制\n答案: \nA\n以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n在OSI参考模型中，直接为会话层提供服务的是____。\nA. 应用层\nB. 表示层\nC. 传输层\nD. 网络层\n答案: \nC\n以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n协议是指在____之间进行通信的规则或约定。\nA. 同一结点的上下层\nB. 不同结点\nC. 相邻实体\nD. 不同结点对等实体\n答案: \nD\n以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n主机甲与主机乙之间使用后退N帧协议(GBN)传输数据，甲的发送窗口尺寸为1000，数据帧长为1000字节，信道带宽为100Mbps，乙每收到一个数据帧立即利用一个短帧(忽略其传输延迟)进行确认，若甲、乙之间的单向传播延迟是50ms，则甲可以达到的最大平均数据传输速率约为____。\nA. 10Mbps\nB. 20Mbps\nC. 80Mbps\nD. 100Mbps\n答案: \nC\n" + CevalQuestion0;

    private const string CmmluFiveShotExamples =
        "以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：肉牛屠宰后，胴体的哪个部位肉质较好\nA. 胸\nB. 腹\nC. 大腿\nD. 小腿\n答案是: C\n以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：下列鸭品种中，产蛋量最高的品种是\nA. 高邮鸭\nB. 北京鸭\nC. 樱桃谷鸭\nD. 绍鸭\n答案是: D\n以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：常见家畜中输精管不形成输精管壶腹的是\nA. 马\nB. 猪\nC. 牛\nD. 羊\n答案是: B\n以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：牛的发情周期平均为\nA. 16～17天\nB. 21天\nC. 28天\nD. 19～20天\n答案是: B\n以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：羊胴体中，肉质较好的部位是\nA. 胸下肉\nB. 肩胛肉\nC. 后腿肉\nD. 小腿肉\n答案是: C\n";

    private const string CmmluQuestion0 =
        "以下是关于农学的单项选择题，请直接给出正确答案的选项。\n题目：在农业生产中被当作极其重要的劳动对象发挥作用，最主要的不可替代的基本生产资料是\nA. 农业生产工具\nB. 土地\nC. 劳动力\nD. 资金";

    [Fact]
    public void CevalGen_FiveShot_MatchesOpenCompass()
    {
        var (prompter, question, _) = BuiltInPrompter.For("ceval_gen", "computer_network");

        var rendered = prompter.BuildGeneration(question);

        Assert.Equal(5, rendered.Shots);
        Assert.Equal(CevalFiveShotQuestion0, rendered.Prompt.ToPlainText());
        Assert.Equal(12, rendered.Prompt.Turns.Count);
        Assert.Equal(new PromptTurn(TurnRole.Bot, string.Empty), rendered.Prompt.Turns[^1]);
    }

    [Fact]
    public void CevalGen_ZeroShot_IsTheQuestionAlone()
    {
        var (prompter, question, _) = BuiltInPrompter.For("ceval_gen", "computer_network");

        // A limit nothing fits drops every example; the question itself is never cut here.
        var rendered = prompter.BuildGeneration(question, new CharacterCounter(), maxSeqLen: 10);

        Assert.Equal(0, rendered.Shots);
        Assert.Equal(CevalQuestion0, rendered.Prompt.ToPlainText());
    }

    [Fact]
    public void CevalGen_DropsTrailingExamplesUntilThePromptFits()
    {
        var (prompter, question, _) = BuiltInPrompter.For("ceval_gen", "computer_network");
        var full = prompter.BuildGeneration(question).Prompt.ToPlainText().Length;

        var rendered = prompter.BuildGeneration(question, new CharacterCounter(), maxSeqLen: full - 1);

        Assert.Equal(4, rendered.Shots);
        Assert.EndsWith("答案: \nD\n" + CevalQuestion0, rendered.Prompt.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public void CevalPpl_HasOnePromptPerOptionEndingInThatLetter()
    {
        var (prompter, question, _) = BuiltInPrompter.For("ceval_ppl", "computer_network");

        var prompts = prompter.BuildPerplexity(question);

        Assert.Equal(["A", "B", "C", "D"], prompts.Select(p => p.Label));
        Assert.Equal(CevalFiveShotQuestion0 + "\nC", prompts[2].Prompt.ToPlainText());
        Assert.All(prompts, p => Assert.Equal(5, p.Shots));
    }

    [Fact]
    public void CmmluGen_FiveShot_EndsWithTheAnswerPrefix()
    {
        var (prompter, question, _) = BuiltInPrompter.For("cmmlu_gen", "agronomy");

        var rendered = prompter.BuildGeneration(question);

        // The BOT turn "答案是: {answer}" stays non-empty with the answer blanked, so it is part of the prompt.
        Assert.Equal(CmmluFiveShotExamples + CmmluQuestion0 + "\n答案是: ", rendered.Prompt.ToPlainText());
    }

    [Fact]
    public void CmmluGen_ZeroShot_MatchesOpenCompass()
    {
        var (prompter, question, _) = BuiltInPrompter.For("cmmlu_gen", "agronomy");

        var rendered = prompter.BuildGeneration(question, new CharacterCounter(), maxSeqLen: 1);

        Assert.Equal(CmmluQuestion0 + "\n答案是: ", rendered.Prompt.ToPlainText());
    }

    [Fact]
    public void CmmluPpl_LabelPromptCarriesTheAnswerLine()
    {
        var (prompter, question, _) = BuiltInPrompter.For("cmmlu_ppl", "agronomy");

        var prompts = prompter.BuildPerplexity(question);

        Assert.Equal(CmmluFiveShotExamples + CmmluQuestion0 + "\n答案是: C", prompts[2].Prompt.ToPlainText());
    }

    [Fact]
    public void PplShotDropping_CarriesOverToLaterLabels_AsOpenCompassDoes()
    {
        var (prompter, question, _) = BuiltInPrompter.For("ceval_ppl", "computer_network");
        var fullLength = prompter.BuildPerplexity(question)[0].Prompt.ToPlainText().Length;

        var prompts = prompter.BuildPerplexity(question, new CharacterCounter(), maxSeqLen: fullLength - 1);

        Assert.All(prompts, p => Assert.Equal(4, p.Shots));
    }

    [Fact]
    public void Placeholders_InsideExamples_AreFilledAgainWithTheQuestionsColumns()
    {
        var config = DatasetCatalog.Default.Resolve("ceval_gen").Config with { FewShotIds = [0] };
        var subset = new SubsetInfo("x", "X", "测试", ["STEM"]);
        DatasetSample Row(string question, string a) => new(0, 2,
            [new("id", "0"), new("question", question), new("A", a), new("B", "b"), new("C", "c"), new("D", "d"), new("answer", "A"), new("explanation", "")]);
        var prompter = new TemplatePrompter(config, subset, [Row("集合{A}的元素", "1")]);

        var text = prompter.BuildGeneration(Row("问题", "甲")).Prompt.ToPlainText();

        // OpenCompass formats the whole prompt after inserting the examples, so "{A}" in an example becomes the question's A.
        Assert.StartsWith("以下是中国关于测试考试的单项选择题，请选出其中的正确答案。\n集合甲的元素\nA. 1", text, StringComparison.Ordinal);
    }
}
