using EvalTests.Datasets;
using EvalTests.Prompts;
using EvalTests.Scoring;
using EvalTests.TestSupport;

namespace EvalTests.Core.Tests.Prompts;

/// <summary>
/// The configs OpenCompass added since v0.4 render upstream's prompt strings byte for byte. Expected strings were produced
/// independently: Python's csv module over the same files, assembled by each upstream config file's own f-strings
/// (ceval_zero_shot_gen_bd40ef, cmmlu_0shot_cot_gen_305931, cmmlu_ppl_041cbf with BaseRetriever.generate_ice's
/// '\n' separator and end token).
/// </summary>
public sealed class CurrentConfigPromptTests
{
    private const string AgronomyIce =
        "题目：肉牛屠宰后，胴体的哪个部位肉质较好\nA. 胸\nB. 腹\nC. 大腿\nD. 小腿\n答案是: C\n\n题目：下列鸭品种中，产蛋量最高的品种是\nA. 高邮鸭\nB. 北京鸭\nC. 樱桃谷鸭\nD. 绍鸭\n答案是: D\n\n题目：常见家畜中输精管不形成输精管壶腹的是\nA. 马\nB. 猪\nC. 牛\nD. 羊\n答案是: B\n\n题目：牛的发情周期平均为\nA. 16～17天\nB. 21天\nC. 28天\nD. 19～20天\n答案是: B\n\n题目：羊胴体中，肉质较好的部位是\nA. 胸下肉\nB. 肩胛肉\nC. 后腿肉\nD. 小腿肉\n答案是: C\n\n";

    private const string AgronomyQuestion0 =
        "题目：在农业生产中被当作极其重要的劳动对象发挥作用，最主要的不可替代的基本生产资料是\nA. 农业生产工具\nB. 土地\nC. 劳动力\nD. 资金";

    [Fact]
    public void CevalZeroShotGenBd40ef_IsOneQuestionAskingToThinkStepByStep_ReadByFirstOption()
    {
        var (prompter, question, config) = BuiltInPrompter.For("ceval_zero_shot_gen_bd40ef", "computer_network");

        var rendered = prompter.BuildGeneration(question);

        Assert.Equal(
            "以下是中国关于计算机网络考试的单项选择题，请选出其中的正确答案。\n使用位填充方法，以01111110为位首flag，数据为011011111111111111110010，求问传送时要添加几个0____\nA. 1\nB. 2\nC. 3\nD. 4\n让我们一步一步思考。答案: ",
            rendered.Prompt.ToPlainText());
        Assert.Equal(0, rendered.Shots);
        Assert.Equal("first_option:options=ABCD", config.Postprocessor?.ToString());
        Assert.Equal(256, config.MaxOutLen);
    }

    [Fact]
    public void Cmmlu0ShotCotGen305931_IsOneHumanTurn_ReadByItsAnswerPattern()
    {
        var (prompter, question, config) = BuiltInPrompter.For("cmmlu_0shot_cot_gen_305931", "agronomy");

        var rendered = prompter.BuildGeneration(question);

        Assert.Equal(
            "请回答以下关于农学的单项选择题, 你回答的最后一行**必须**是以下格式 '答案: $选项' (不带引号), 其中选项是ABCD之一. 请在回答之前一步步思考.\n\n在农业生产中被当作极其重要的劳动对象发挥作用，最主要的不可替代的基本生产资料是\n\nA) 农业生产工具\nB) 土地\nC) 劳动力\nD) 资金",
            rendered.Prompt.ToPlainText());
        Assert.Equal([new PromptTurn(TurnRole.Human, rendered.Prompt.ToPlainText())], rendered.Prompt.ChatTurns);
        Assert.Equal(@"match_answer_pattern:answer_pattern=(?i)答案\s*:\s*[\W]*([A-D])[\W]*", config.Postprocessor?.ToString());
        Assert.Equal("B", AnswerPostprocessors.Get(config.Postprocessor!).Extract("第一步……\n答案: **B**。"));
        Assert.Null(config.MaxOutLen);
    }

    [Fact]
    public void CmmluPpl041cbf_IsOnePlainText_ExamplesJoinedAndEndedByANewline()
    {
        var (prompter, question, _) = BuiltInPrompter.For("cmmlu_ppl_041cbf", "agronomy");

        var prompts = prompter.BuildPerplexity(question);

        Assert.Equal(["A", "B", "C", "D"], prompts.Select(p => p.Label));
        Assert.Equal(
            "以下是关于农学的单项选择题，请直接给出正确答案的选项。\n" + AgronomyIce + AgronomyQuestion0 + "\n答案是: B",
            prompts[1].Prompt.ToPlainText());
        Assert.Single(prompts[1].Prompt.Turns);
        Assert.Equal(AgronomyIce, prompter.RenderExamples(prompts[1].Shots));
    }

    [Fact]
    public void CmmluPpl041cbf_WithEveryExampleDropped_KeepsTheEndToken_AsGenerateIceOfNoExamplesGives()
    {
        var (prompter, question, _) = BuiltInPrompter.For("cmmlu_ppl_041cbf", "agronomy");

        var prompts = prompter.BuildPerplexity(question, new CharacterCounter(), maxSeqLen: 10);

        Assert.Equal(0, prompts[0].Shots);
        Assert.Equal("以下是关于农学的单项选择题，请直接给出正确答案的选项。\n\n" + AgronomyQuestion0 + "\n答案是: A", prompts[0].Prompt.ToPlainText());
    }

    [Fact]
    public void CevalPpl93e5ce_RendersAsCevalPpl578f8d_ItsValHalf()
    {
        var (current, question, _) = BuiltInPrompter.For("ceval_ppl_93e5ce", "computer_network");
        var (previous, _, _) = BuiltInPrompter.For("ceval_ppl_578f8d", "computer_network");

        Assert.Equal(previous.BuildPerplexity(question), current.BuildPerplexity(question));
    }
}
